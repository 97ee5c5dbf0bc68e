import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import type { EventPattern } from '../patterns/event-pattern.js';
import {
  identity,
  planAppend,
  toStoredEvent,
  type PlannedRow,
} from './append-plan.js';
import { rangeCondition, type EventRange } from './event-range.js';
import {
  buildEventQuery,
  typeFilteredInSql,
  type EventPage,
  type EventQuery,
} from './event-query.js';
import {
  EVENT_INSERT_COLUMNS,
  EVENT_SELECT_COLUMNS,
  eventFromRow,
  type EventRow,
} from './event-row.js';
import type { ExpectedVersion } from './new-event.js';
import {
  ROW_BYTES_SQL,
  sizedRow,
  takeWithinBytes,
  type SizedRow,
} from './page-bytes.js';
import { scanForPattern } from './pattern-scan.js';
import type { PreparedEvent } from './prepare-event.js';
import {
  padToPowerOfTwo,
  placeholders,
  powerOfTwoChunks,
} from './sql-batches.js';
import { SqlDialect } from './sql-dialect.js';
import type { StoredEvent } from './stored-event.js';
import { scanByTime } from './time-scan.js';
import { storedTypesMatching, unionByPosition } from './type-fan-out.js';

/** One publisher's events: committed together or not at all. */
export interface AppendRequest {
  events: PreparedEvent[];
  /** Checked against the stream all events of the request share. */
  expectedVersion?: ExpectedVersion;
}

export interface AppendResult {
  events: StoredEvent[];
  /** false where the event already existed (same source + id) and was returned instead. */
  created: boolean[];
}

export type AppendOutcome =
  { ok: true; result: AppendResult } | { ok: false; error: Error };

const INSERT_ROWS_PER_STATEMENT = 256;
const LOOKUP_KEYS_PER_STATEMENT = 256;

/**
 * The log. Reads go through the read-only connection, so they only ever see committed events;
 * appends run on the writer's query runner inside its (group) transaction.
 */
@Injectable()
export class EventStore {
  readonly dialect: SqlDialect;

  constructor(
    @InjectDataSource(READ_DATA_SOURCE) private readonly reader: DataSource,
  ) {
    this.dialect = SqlDialect.of(reader);
  }

  /** Position of the newest committed event, 0 for an empty log. */
  async head(): Promise<number> {
    const [row] = await this.read<{ head: number | string | null }>(
      'SELECT MAX(position) AS head FROM events',
    );
    return row?.head == null ? 0 : this.dialect.toNumber(row.head);
  }

  async count(): Promise<number> {
    const [row] = await this.read<{ total: number | string }>(
      'SELECT COUNT(*) AS total FROM events',
    );
    return this.dialect.toNumber(row.total);
  }

  /** Events after `position` in log order; `until` bounds the read (inclusive). */
  async readAfter(
    position: number,
    limit: number,
    until?: number,
  ): Promise<StoredEvent[]> {
    const rows =
      until === undefined
        ? await this.read<EventRow>(
            `SELECT ${EVENT_SELECT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
            [position, limit],
          )
        : await this.read<EventRow>(
            `SELECT ${EVENT_SELECT_COLUMNS} FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?`,
            [position, until, limit],
          );
    return rows.map((row) => eventFromRow(row, this.dialect));
  }

  /** A page of a range in log order, starting after position `after`. */
  async readRange(
    range: EventRange,
    after: number,
    limit: number,
  ): Promise<StoredEvent[]> {
    const { where, parameters } = rangeCondition(range, after);
    const rows = await this.read<EventRow>(
      `SELECT ${EVENT_SELECT_COLUMNS} FROM events WHERE ${where} ORDER BY position LIMIT ?`,
      [...parameters, limit],
    );
    return rows.map((row) => eventFromRow(row, this.dialect));
  }

  /** How many events of each type a range holds. */
  async countRangeByType(range: EventRange): Promise<Map<string, number>> {
    const { where, parameters } = rangeCondition(range, range.afterPosition);
    const rows = await this.read<{ type: string; total: number | string }>(
      `SELECT type, COUNT(*) AS total FROM events WHERE ${where} GROUP BY type`,
      parameters,
    );
    return new Map(
      rows.map((row) => [row.type, this.dialect.toNumber(row.total)]),
    );
  }

  /** The event with this id; `source` disambiguates when several sources reused one id. */
  async findById(id: string, source?: string): Promise<StoredEvent | null> {
    const rows =
      source === undefined
        ? await this.read<EventRow>(
            `SELECT ${EVENT_SELECT_COLUMNS} FROM events WHERE id = ? ORDER BY position LIMIT 1`,
            [id],
          )
        : await this.read<EventRow>(
            `SELECT ${EVENT_SELECT_COLUMNS} FROM events WHERE id = ? AND source = ?`,
            [id, source],
          );
    return rows.length > 0 ? eventFromRow(rows[0], this.dialect) : null;
  }

  async findByPosition(position: number): Promise<StoredEvent | null> {
    const rows = await this.read<EventRow>(
      `SELECT ${EVENT_SELECT_COLUMNS} FROM events WHERE position = ?`,
      [position],
    );
    return rows.length > 0 ? eventFromRow(rows[0], this.dialect) : null;
  }

  /**
   * An aggregate's events in version order, from `fromVersion` up to `toVersion` (inclusive).
   * Pass the unit's query runner to read inside a transaction, including what it has appended.
   */
  async readStream(
    streamId: string,
    {
      fromVersion = 1,
      toVersion,
      limit = 1000,
      runner,
    }: {
      fromVersion?: number;
      toVersion?: number;
      limit?: number;
      runner?: QueryRunner;
    } = {},
  ): Promise<StoredEvent[]> {
    const upTo = toVersion === undefined ? '' : ' AND stream_version <= ?';
    const sql = `SELECT ${EVENT_SELECT_COLUMNS} FROM events WHERE stream_id = ? AND stream_version >= ?${upTo} ORDER BY stream_version LIMIT ?`;
    const parameters =
      toVersion === undefined
        ? [streamId, fromVersion, limit]
        : [streamId, fromVersion, toVersion, limit];
    const rows: EventRow[] = runner
      ? await runner.query(this.dialect.sql(sql), parameters)
      : await this.read<EventRow>(sql, parameters);
    return rows.map((row) => eventFromRow(row, this.dialect));
  }

  /** A page of a stream for a client: `limit` events at most, cut to `maxBytes`. */
  async readStreamPage(
    streamId: string,
    {
      fromVersion,
      limit,
      maxBytes,
    }: { fromVersion: number; limit: number; maxBytes: number },
  ): Promise<StoredEvent[]> {
    const sized = (
      await this.read<{ position: number | string; bytes: number | string }>(
        `SELECT position, ${ROW_BYTES_SQL} AS bytes FROM events WHERE stream_id = ? AND stream_version >= ? ORDER BY stream_version LIMIT ?`,
        [streamId, fromVersion, limit],
      )
    ).map((row) => sizedRow(row, this.dialect.toNumber));
    const { positions } = takeWithinBytes(sized, limit, maxBytes);
    // A stream's versions grow with its positions.
    return this.loadPositions(positions, 'asc');
  }

  /** The stream's current version: the version of its newest event, 0 when it has none. */
  async streamVersion(streamId: string): Promise<number> {
    const [row] = await this.read<{ version: number | string | null }>(
      'SELECT MAX(stream_version) AS version FROM events WHERE stream_id = ?',
      [streamId],
    );
    return row?.version == null ? 0 : this.dialect.toNumber(row.version);
  }

  /**
   * Filtered listing in position order, keyset-paginated (see EventQuery). A type pattern
   * SQL cannot decide is answered from each stored type it matches when it has a literal
   * prefix (type-fan-out.ts); without one, or when its range holds too many distinct types,
   * it is matched in code over a bounded scan (see scanForPattern).
   */
  async query(query: EventQuery): Promise<EventPage> {
    if (query.type && !typeFilteredInSql(query)) {
      // Without a literal prefix (**.failed) the range is every type, as many as producers
      // make: the bounded scan answers those.
      const types = await storedTypesMatching(query.type, (sql, parameters) =>
        this.read(sql, parameters),
      );
      return types === undefined
        ? this.queryByPattern(query, query.type)
        : this.queryByTypes(query, types);
    }
    if (
      (query.since !== undefined || query.until !== undefined) &&
      query.type === undefined &&
      query.streamId === undefined &&
      query.correlationId === undefined
    )
      return this.queryByTime(query);
    return this.page(query, await this.sizedPage(query));
  }

  /** One statement: each matching type's keyset page, merged by position. */
  private async queryByTypes(
    query: EventQuery,
    types: EventPattern[],
  ): Promise<EventPage> {
    if (types.length === 0) return { events: [], next: null };
    const { sql, parameters } = unionByPosition(
      types.map((type) =>
        buildEventQuery(
          { ...query, type },
          {
            columns: `position, ${ROW_BYTES_SQL} AS bytes`,
            after: query.after,
            limit: query.limit + 1,
          },
        ),
      ),
      query.order,
      query.limit + 1,
    );
    const rows = await this.read<{
      position: number | string;
      bytes: number | string;
    }>(sql, parameters);
    return this.page(
      query,
      rows.map((row) => sizedRow(row, this.dialect.toNumber)),
    );
  }

  /** Time bounds alone: see scanByTime. */
  private async queryByTime(query: EventQuery): Promise<EventPage> {
    const { rows, budgetCursor } = await scanByTime(
      query,
      await this.head(),
      (sql, parameters) => this.read(sql, parameters),
    );
    const page = await this.page(
      query,
      rows.map((row) => sizedRow(row, this.dialect.toNumber)),
    );
    return page.next === null && budgetCursor !== null
      ? { ...page, next: budgetCursor }
      : page;
  }

  /** Positions and sizes of the page's rows, and of one more: it tells whether a page follows. */
  private async sizedPage(query: EventQuery): Promise<SizedRow[]> {
    // Sizes first: the page is cut by bytes before any payload is read.
    const { sql, parameters } = buildEventQuery(query, {
      columns: `position, ${ROW_BYTES_SQL} AS bytes`,
      after: query.after,
      limit: query.limit + 1,
    });
    return (
      await this.read<{ position: number | string; bytes: number | string }>(
        sql,
        parameters,
      )
    ).map((row) => sizedRow(row, this.dialect.toNumber));
  }

  private async page(query: EventQuery, sized: SizedRow[]): Promise<EventPage> {
    const { positions, cut } = takeWithinBytes(
      sized,
      query.limit,
      query.maxBytes,
    );
    const events = await this.loadPositions(positions, query.order);
    const hasMore = cut || sized.length > query.limit;
    return {
      events,
      next: hasMore ? positions[positions.length - 1] : null,
    };
  }

  /** Scans positions and types only, then loads the whole rows of the matches. */
  private async queryByPattern(
    query: EventQuery,
    pattern: EventPattern,
  ): Promise<EventPage> {
    const scan = await scanForPattern(pattern, query, async (after, limit) => {
      const { sql, parameters } = buildEventQuery(query, {
        columns: `position, type, ${ROW_BYTES_SQL} AS bytes`,
        after,
        limit,
      });
      const rows = await this.read<{
        position: number | string;
        type: string;
        bytes: number | string;
      }>(sql, parameters);
      return rows.map((row) => ({
        ...sizedRow(row, this.dialect.toNumber),
        type: row.type,
      }));
    });
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
    const direction = order === 'asc' ? 'ASC' : 'DESC';
    const rows = await this.read<EventRow>(
      `SELECT ${EVENT_SELECT_COLUMNS} FROM events WHERE position IN (${placeholders(keys.length)}) ORDER BY position ${direction}`,
      keys,
    );
    return rows.map((row) => eventFromRow(row, this.dialect));
  }

  /**
   * Appends every request that can be appended and reports each one's outcome: a request whose
   * expected version is stale fails alone; duplicates (same source + id) come back as the stored
   * originals. Runs inside the caller's transaction on `runner`; nothing is visible to readers
   * until that transaction commits.
   */
  async append(
    runner: QueryRunner,
    requests: AppendRequest[],
  ): Promise<AppendOutcome[]> {
    const existing = await this.findExisting(runner, requests);
    const versions = await this.currentVersions(runner, requests);

    const plan = planAppend(requests, existing, versions);
    await this.insert(runner, plan.rows);
    return plan.outcomes();
  }

  private async insert(runner: QueryRunner, rows: PlannedRow[]): Promise<void> {
    const recordedAt = new Date().toISOString();
    for (const chunk of powerOfTwoChunks(rows, INSERT_ROWS_PER_STATEMENT)) {
      const parameters: unknown[] = [];
      for (const { event, streamVersion } of chunk) {
        parameters.push(
          event.id,
          event.type,
          event.source,
          event.subject,
          event.datacontenttype,
          event.time,
          event.streamId,
          streamVersion,
          event.correlationId,
          event.causationId,
          event.dataJson,
          event.metadataJson,
          recordedAt,
        );
      }
      const returned: {
        position: number | string;
        id: string;
        source: string;
      }[] = await runner.query(
        this.dialect.sql(insertStatement(chunk.length)),
        parameters,
      );
      const positions = new Map(
        returned.map((row) => [
          identity(row),
          this.dialect.toNumber(row.position),
        ]),
      );
      for (const row of chunk) {
        row.stored = toStoredEvent(
          row,
          positions.get(identity(row.event)) as number,
          recordedAt,
        );
      }
    }
  }

  /** Stored events that publisher-chosen ids in this batch would duplicate. */
  private async findExisting(
    runner: QueryRunner,
    requests: AppendRequest[],
  ): Promise<Map<string, StoredEvent>> {
    const ids = new Set<string>();
    for (const request of requests) {
      for (const event of request.events) if (event.idGiven) ids.add(event.id);
    }
    const found = new Map<string, StoredEvent>();
    for (const chunk of powerOfTwoChunks([...ids], LOOKUP_KEYS_PER_STATEMENT)) {
      const keys = padToPowerOfTwo(chunk);
      const rows: EventRow[] = await runner.query(
        this.dialect.sql(
          `SELECT ${EVENT_SELECT_COLUMNS} FROM events WHERE id IN (${placeholders(keys.length)})`,
        ),
        keys,
      );
      for (const row of rows)
        found.set(identity(row), eventFromRow(row, this.dialect));
    }
    return found;
  }

  private async currentVersions(
    runner: QueryRunner,
    requests: AppendRequest[],
  ): Promise<Map<string, number>> {
    const streams = new Set<string>();
    for (const request of requests) {
      for (const event of request.events)
        if (event.streamId !== null) streams.add(event.streamId);
    }
    const versions = new Map<string, number>();
    for (const chunk of powerOfTwoChunks(
      [...streams],
      LOOKUP_KEYS_PER_STATEMENT,
    )) {
      const keys = padToPowerOfTwo(chunk);
      const rows: { stream_id: string; version: number | string }[] =
        await runner.query(
          this.dialect.sql(
            `SELECT stream_id, MAX(stream_version) AS version FROM events WHERE stream_id IN (${placeholders(keys.length)}) GROUP BY stream_id`,
          ),
          keys,
        );
      for (const row of rows)
        versions.set(row.stream_id, this.dialect.toNumber(row.version));
    }
    return versions;
  }

  private read<T>(sql: string, parameters: unknown[] = []): Promise<T[]> {
    return this.reader.query(this.dialect.sql(sql), parameters);
  }
}

const insertStatements = new Map<number, string>();

function insertStatement(rowCount: number): string {
  let sql = insertStatements.get(rowCount);
  if (!sql) {
    const row = `(${placeholders(EVENT_INSERT_COLUMNS.length)})`;
    sql = `INSERT INTO events (${EVENT_INSERT_COLUMNS.join(', ')}) VALUES ${new Array<string>(rowCount).fill(row).join(', ')} RETURNING position, id, source`;
    insertStatements.set(rowCount, sql);
  }
  return sql;
}
