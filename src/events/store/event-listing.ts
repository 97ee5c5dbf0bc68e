import type { EventPattern } from '../patterns/event-pattern.js';
import type { LogCursor } from './event-cursor.js';
import {
  buildEventQuery,
  typeFilteredInSql,
  type EventPage,
  type EventQuery,
} from './event-query.js';
import {
  eventFromRow,
  eventSelectColumns,
  type EventRow,
} from './event-row.js';
import { ROW_BYTES_SQL, sizedRow, takeWithinBytes } from './page-bytes.js';
import { scanForPattern } from './pattern-scan.js';
import { padToPowerOfTwo, placeholders } from './sql-batches.js';
import type { SqlDialect } from './sql-dialect.js';
import type { StoredEvent } from './stored-event.js';

type Read = <T>(sql: string, parameters?: unknown[]) => Promise<T[]>;

interface SizedSqlRow {
  position: number | string;
  txid?: string;
  bytes: number | string;
}

/**
 * Filtered listings of the log for clients (GET /events), keyset-paginated in log order. Sizes
 * are read first, so a page is cut by bytes before any payload is read; a type pattern SQL
 * cannot decide is matched in code over a bounded scan (see scanForPattern).
 */
export class EventListing {
  constructor(
    private readonly read: Read,
    private readonly dialect: SqlDialect,
  ) {}

  async query(query: EventQuery): Promise<EventPage> {
    if (query.type && !typeFilteredInSql(query))
      return this.queryByPattern(query, query.type);
    const { sql, parameters } = buildEventQuery(
      query,
      {
        columns: `position, ${ROW_BYTES_SQL} AS bytes`,
        after: query.after,
        limit: query.limit + 1, // one extra row tells whether another page exists
      },
      this.dialect,
    );
    const sized = (await this.read<SizedSqlRow>(sql, parameters)).map((row) =>
      sizedRow(row, this.dialect.toNumber),
    );
    const { positions, last, cut } = takeWithinBytes(
      sized,
      query.limit,
      query.maxBytes,
    );
    const events = await this.loadPositions(positions, query.order);
    const hasMore = cut || sized.length > query.limit;
    return {
      events,
      next:
        hasMore && last ? { txid: last.txid, position: last.position } : null,
    };
  }

  /** Scans positions and types only, then loads the whole rows of the matches. */
  private async queryByPattern(
    query: EventQuery,
    pattern: EventPattern,
  ): Promise<EventPage> {
    const scan = await scanForPattern<LogCursor>(
      pattern,
      { ...query, cursorOf: (row) => this.dialect.cursorOfRow(row) },
      async (after, limit) => {
        const { sql, parameters } = buildEventQuery(
          query,
          {
            columns: `position, type, ${ROW_BYTES_SQL} AS bytes`,
            after,
            limit,
          },
          this.dialect,
        );
        const rows = await this.read<SizedSqlRow & { type: string }>(
          sql,
          parameters,
        );
        return rows.map((row) => ({
          ...sizedRow(row, this.dialect.toNumber),
          type: row.type,
        }));
      },
    );
    return {
      events: await this.loadPositions(scan.positions, query.order),
      next: scan.next,
    };
  }

  private async loadPositions(
    positions: number[],
    order: 'asc' | 'desc',
  ): Promise<StoredEvent[]> {
    if (positions.length === 0) return [];
    const keys = padToPowerOfTwo(positions);
    const rows = await this.read<EventRow>(
      `SELECT ${eventSelectColumns(this.dialect)} FROM events WHERE position IN (${placeholders(keys.length)}) ORDER BY ${this.dialect.logOrder(order === 'asc' ? 'ASC' : 'DESC')}`,
      keys,
    );
    return rows.map((row) => eventFromRow(row, this.dialect));
  }
}
