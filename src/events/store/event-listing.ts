import type { EventPattern } from '../patterns/event-pattern.js';
import type { LogCursor } from './event-cursor.js';
import {
  buildEventQuery,
  eventConditions,
  typeFilteredInSql,
  type EventPage,
  type EventQuery,
} from './event-query.js';
import { eventRowOf, eventSelectColumns, type EventRow } from './event-row.js';
import {
  ROW_BYTES_SQL,
  sizedRow,
  takeWithinBytes,
  type SizedRow,
} from './page-bytes.js';
import { scanForPattern } from './pattern-scan.js';
import { padToPowerOfTwo, placeholders } from './sql-batches.js';
import type { SqlDialect } from './sql-dialect.js';
import type { SqliteRows } from './sqlite-rows.js';
import { scanByTime } from './time-scan.js';
import {
  mergedByPosition,
  storedTypesMatching,
  type StoredTypes,
} from './type-fan-out.js';

type Read = <T>(sql: string, parameters?: unknown[]) => Promise<T[]>;

/** What a listing answers for each row it loads (a StoredEvent, or one with its stored JSON). */
export type RowMapper<E> = (row: EventRow) => E;

interface SizedSqlRow {
  position: number | string;
  txid?: string;
  bytes: number | string;
}

/**
 * Filtered listings of the log for clients (GET /events), keyset-paginated in log order. Sizes
 * are read first, so a page is cut by bytes before any payload is read. On SQLite, where log
 * order is position order (one writer), a type pattern with a literal prefix is answered from
 * each stored type it matches (type-fan-out.ts) and time bounds alone by windows of positions
 * (time-scan.ts); any other pattern SQL cannot decide is matched in code over a bounded scan
 * (see scanForPattern). On PostgreSQL log order is (transaction id, position): those two
 * position-ordered shortcuts do not apply there, and the plain keyset read serves.
 */
export class EventListing {
  private readonly positional: boolean;

  constructor(
    private readonly read: Read,
    private readonly dialect: SqlDialect,
    private readonly head: () => Promise<number>,
    private readonly sqliteRows?: SqliteRows,
  ) {
    this.positional = dialect.kind === 'sqlite';
  }

  async query<E>(
    query: EventQuery,
    toEvent: RowMapper<E>,
  ): Promise<EventPage<E>> {
    if (query.type && !typeFilteredInSql(query)) {
      // SQLite: answered type by type while the pattern matches few stored types, with or
      // without a literal prefix; otherwise (and on PostgreSQL) by the bounded scan.
      const stored = this.positional
        ? await storedTypesMatching(query.type, (sql, parameters) =>
            this.readObjects(sql, parameters),
          )
        : undefined;
      return stored === undefined
        ? this.queryByPattern(query, query.type, toEvent)
        : this.queryByTypes(query, stored, toEvent);
    }
    if (
      this.positional &&
      (query.since !== undefined || query.until !== undefined) &&
      query.type === undefined &&
      query.streamId === undefined &&
      query.correlationId === undefined
    )
      return this.queryByTime(query, toEvent);
    const { sql, parameters } = buildEventQuery(
      query,
      {
        columns: `position, ${ROW_BYTES_SQL} AS bytes`,
        after: query.after,
        limit: query.limit + 1, // one extra row tells whether another page exists
      },
      this.dialect,
    );
    return this.page(query, await this.sized(sql, parameters), toEvent);
  }

  /**
   * Each matching type's keyset page, merged by position, read from the type index alone
   * (SQLite): only the rows that make the page are then looked up in the table for their
   * sizes, not every type's candidates (20 types, pages of 20: 21 lookups instead of 420).
   */
  private async queryByTypes<E>(
    query: EventQuery,
    { types, head }: StoredTypes,
    toEvent: RowMapper<E>,
  ): Promise<EventPage<E>> {
    if (types.length === 0) return { events: [], next: null };
    const merged = mergedByPosition(
      types.map((type) =>
        eventConditions({ ...query, type }, query.after, this.dialect),
      ),
      { order: query.order, limit: query.limit + 1, head },
    );
    const positions = (
      await this.readObjects<{ position: number | string }>(
        merged.sql,
        merged.parameters,
      )
    ).map((row) => this.dialect.toNumber(row.position));
    if (positions.length === 0) return { events: [], next: null };
    const keys = padToPowerOfTwo(positions);
    const direction = query.order === 'asc' ? 'ASC' : 'DESC';
    return this.page(
      query,
      await this.sized(
        `SELECT position, ${ROW_BYTES_SQL} AS bytes FROM events WHERE position IN (${placeholders(keys.length)}) ORDER BY position ${direction}`,
        keys,
      ),
      toEvent,
    );
  }

  /** Time bounds alone (SQLite): see scanByTime. */
  private async queryByTime<E>(
    query: EventQuery,
    toEvent: RowMapper<E>,
  ): Promise<EventPage<E>> {
    const { rows, budgetCursor } = await scanByTime(
      query,
      await this.head(),
      (sql, parameters) => this.readObjects(sql, parameters),
    );
    const page = await this.page(
      query,
      rows.map((row) => sizedRow(row, this.dialect.toNumber)),
      toEvent,
    );
    return page.next === null && budgetCursor !== null
      ? { ...page, next: { txid: 0, position: budgetCursor } }
      : page;
  }

  private async sized(sql: string, parameters: unknown[]): Promise<SizedRow[]> {
    if (this.sqliteRows)
      return this.sqliteRows.all(sql, parameters).map(([position, bytes]) => ({
        position: position as number,
        txid: 0,
        bytes: (bytes as number | null) ?? 0,
      }));
    return (await this.read<SizedSqlRow>(sql, parameters)).map((row) =>
      sizedRow(row, this.dialect.toNumber),
    );
  }

  /**
   * Rows as objects keyed by column name: on SQLite straight from the read connection (see
   * SqliteRows), which skips building them in the driver and TypeORM's per-call work.
   */
  private async readObjects<T>(
    sql: string,
    parameters: unknown[],
  ): Promise<T[]> {
    if (!this.sqliteRows) return this.read<T>(sql, parameters);
    return this.sqliteRows.objects<T>(sql, parameters);
  }

  /** The rows that fit the page's count and bytes, loaded whole, and the cursor after them. */
  private async page<E>(
    query: EventQuery,
    sized: SizedRow[],
    toEvent: RowMapper<E>,
  ): Promise<EventPage<E>> {
    const { positions, last, cut } = takeWithinBytes(
      sized,
      query.limit,
      query.maxBytes,
    );
    const events = await this.loadPositions(positions, query.order, toEvent);
    const hasMore = cut || sized.length > query.limit;
    return {
      events,
      next:
        hasMore && last ? { txid: last.txid, position: last.position } : null,
    };
  }

  /** Scans positions and types only, then loads the whole rows of the matches. */
  private async queryByPattern<E>(
    query: EventQuery,
    pattern: EventPattern,
    toEvent: RowMapper<E>,
  ): Promise<EventPage<E>> {
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
        const rows = await this.readObjects<SizedSqlRow & { type: string }>(
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
      events: await this.loadPositions(scan.positions, query.order, toEvent),
      next: scan.next,
    };
  }

  private async loadPositions<E>(
    positions: number[],
    order: 'asc' | 'desc',
    toEvent: RowMapper<E>,
  ): Promise<E[]> {
    if (positions.length === 0) return [];
    const keys = padToPowerOfTwo(positions);
    const sql = `SELECT ${eventSelectColumns(this.dialect)} FROM events WHERE position IN (${placeholders(keys.length)}) ORDER BY ${this.dialect.logOrder(order === 'asc' ? 'ASC' : 'DESC')}`;
    if (this.sqliteRows)
      return this.sqliteRows
        .all(sql, keys)
        .map((values) => toEvent(eventRowOf(values)));
    return (await this.read<EventRow>(sql, keys)).map(toEvent);
  }
}
