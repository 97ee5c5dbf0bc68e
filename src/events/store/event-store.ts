import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import {
  EventAppender,
  type AppendOutcome,
  type AppendRequest,
} from './event-appender.js';
import {
  InvalidCursorError,
  LOG_START,
  type ClientCursor,
  type LogCursor,
} from './event-cursor.js';
import { EventListing } from './event-listing.js';
import type { EventPage, EventQuery } from './event-query.js';
import { rangeCondition, type EventRange } from './event-range.js';
import {
  eventFieldsFromRow,
  eventFromRow,
  eventSelectColumns,
  type EventRow,
} from './event-row.js';
import { ROW_BYTES_SQL, sizedRow, takeWithinBytes } from './page-bytes.js';
import { padToPowerOfTwo, placeholders } from './sql-batches.js';
import { SqlDialect } from './sql-dialect.js';
import { SqliteRows } from './sqlite-rows.js';
import type { StoredEventFields } from './event-payload.js';
import type { StoredEvent } from './stored-event.js';

/**
 * A listed event, every field but its payload, and the payload as stored: JSON text, or null
 * when it has no data.
 */
export interface EventWithPayload {
  event: StoredEventFields;
  payload: string | null;
}

export type {
  AppendOutcome,
  AppendRequest,
  AppendResult,
} from './event-appender.js';

/**
 * The log. Reads go through the read-only connection, so they only ever see committed events;
 * appends run on the writer's query runner inside its (group) transaction.
 */
@Injectable()
export class EventStore {
  readonly dialect: SqlDialect;
  private readonly listing: EventListing;
  private readonly appender: EventAppender;
  private readonly columns: string;

  constructor(
    @InjectDataSource(READ_DATA_SOURCE) private readonly reader: DataSource,
  ) {
    this.dialect = SqlDialect.of(reader);
    this.columns = eventSelectColumns(this.dialect);
    this.appender = new EventAppender(this.dialect);
    this.listing = new EventListing(
      <T>(sql: string, parameters?: unknown[]) => this.read<T>(sql, parameters),
      this.dialect,
      () => this.head(),
      SqliteRows.of(reader),
    );
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

  /**
   * The newest settled event's cursor (see event-cursor.ts): every event a reader can reach
   * now lies at or before it. LOG_START for an empty log.
   */
  async settledHead(): Promise<LogCursor> {
    const [row] = await this.read<{ position: string; txid?: string }>(
      `SELECT position${this.dialect.txidColumn} FROM events WHERE ${this.dialect.settled} ORDER BY ${this.dialect.logOrder('DESC')} LIMIT 1`,
    );
    return row ? this.dialect.cursorOfRow(row) : { ...LOG_START };
  }

  /** How many events follow `after` in log order, counting up to `cap`. */
  async countAfter(after: LogCursor, cap: number): Promise<number> {
    const { condition, parameters } = this.dialect.beyond(after);
    const [row] = await this.read<{ total: number | string }>(
      `SELECT COUNT(*) AS total FROM (SELECT 1 FROM events WHERE ${condition} LIMIT ?) AS later`,
      [...parameters, cap],
    );
    return this.dialect.toNumber(row.total);
  }

  /** Settled events after `after`, in log order. */
  async readAfter(after: LogCursor, limit: number): Promise<StoredEvent[]> {
    const { condition, parameters } = this.dialect.beyond(after);
    const rows = await this.read<EventRow>(
      `SELECT ${this.columns} FROM events WHERE ${condition} AND ${this.dialect.settled} ORDER BY ${this.dialect.logOrder()} LIMIT ?`,
      [...parameters, limit],
    );
    return rows.map((row) => eventFromRow(row, this.dialect));
  }

  /**
   * A client's cursor in full: a bare position means "after the event at this position", so
   * it takes that event's transaction id; null when no event has that position any more.
   */
  async resolveCursor(cursor: ClientCursor): Promise<LogCursor | null> {
    if (cursor.txid !== undefined) return cursor;
    if (this.dialect.kind === 'sqlite' || cursor.position === 0)
      return { txid: 0, position: cursor.position };
    const [row] = await this.read<{ position: string; txid: string }>(
      `SELECT position${this.dialect.txidColumn} FROM events WHERE position = ?`,
      [cursor.position],
    );
    return row ? this.dialect.cursorOfRow(row) : null;
  }

  /**
   * A cursor a client sent (a page's `next`, an SSE id, a gRPC cursor, or an event's position)
   * as the store reads it; a 400 naming `field` when no event holds its position any more.
   */
  async clientCursor(cursor: ClientCursor, field: string): Promise<LogCursor> {
    const resolved = await this.resolveCursor(cursor);
    if (!resolved)
      throw new InvalidCursorError(
        field,
        `${field} names a position no event holds any more: pass the \`next\` of a previous page`,
      );
    return resolved;
  }

  /** A page of a range in log order, starting after position `after`. */
  async readRange(
    range: EventRange,
    after: number,
    limit: number,
  ): Promise<StoredEvent[]> {
    const { where, parameters } = rangeCondition(range, after);
    // Settled rows only: a replay re-delivers what had committed; a transaction still running
    // reaches the subscription through its checkpoint like any new event.
    const rows = await this.read<EventRow>(
      `SELECT ${this.columns} FROM events WHERE ${where} AND ${this.dialect.settled} ORDER BY position LIMIT ?`,
      [...parameters, limit],
    );
    return rows.map((row) => eventFromRow(row, this.dialect));
  }

  /** How many events of each type a range holds. */
  async countRangeByType(range: EventRange): Promise<Map<string, number>> {
    const { where, parameters } = rangeCondition(range, range.afterPosition);
    const rows = await this.read<{ type: string; total: number | string }>(
      `SELECT type, COUNT(*) AS total FROM events WHERE ${where} AND ${this.dialect.settled} GROUP BY type`,
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
            `SELECT ${this.columns} FROM events WHERE id = ? ORDER BY position LIMIT 1`,
            [id],
          )
        : await this.read<EventRow>(
            `SELECT ${this.columns} FROM events WHERE id = ? AND source = ?`,
            [id, source],
          );
    return rows.length > 0 ? eventFromRow(rows[0], this.dialect) : null;
  }

  async findByPosition(position: number): Promise<StoredEvent | null> {
    const rows = await this.read<EventRow>(
      `SELECT ${this.columns} FROM events WHERE position = ?`,
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
    const sql = `SELECT ${this.columns} FROM events WHERE stream_id = ? AND stream_version >= ?${upTo} ORDER BY stream_version LIMIT ?`;
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
    if (positions.length === 0) return [];
    const keys = padToPowerOfTwo(positions);
    const rows = await this.read<EventRow>(
      `SELECT ${this.columns} FROM events WHERE position IN (${placeholders(keys.length)}) ORDER BY stream_version`,
      keys,
    );
    return rows.map((row) => eventFromRow(row, this.dialect));
  }

  /** The stream's current version: the version of its newest event, 0 when it has none. */
  async streamVersion(streamId: string): Promise<number> {
    const [row] = await this.read<{ version: number | string | null }>(
      'SELECT MAX(stream_version) AS version FROM events WHERE stream_id = ?',
      [streamId],
    );
    return row?.version == null ? 0 : this.dialect.toNumber(row.version);
  }

  /** Filtered listing for clients, keyset-paginated in log order (see EventListing). */
  query(query: EventQuery): Promise<EventPage> {
    return this.listing.query(query, (row) => eventFromRow(row, this.dialect));
  }

  /**
   * The same listing, each event beside its payload as stored (JSON text, null without data),
   * for an answer that sends the payload on as it is instead of parsing it and writing it again.
   */
  queryWithPayloads(query: EventQuery): Promise<EventPage<EventWithPayload>> {
    return this.listing.query(query, (row) => ({
      event: eventFieldsFromRow(row, this.dialect),
      payload: row.data,
    }));
  }

  /**
   * Appends every request that can be appended and reports each one's outcome (see
   * EventAppender). Runs inside the caller's transaction on `runner`.
   */
  append(
    runner: QueryRunner,
    requests: AppendRequest[],
  ): Promise<AppendOutcome[]> {
    return this.appender.append(runner, requests);
  }

  private read<T>(sql: string, parameters: unknown[] = []): Promise<T[]> {
    return this.reader.query(this.dialect.sql(sql), parameters);
  }
}
