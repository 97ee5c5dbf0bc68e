import type { QueryRunner } from 'typeorm';
import {
  identity,
  planAppend,
  toStoredEvent,
  writeInsertValues,
  type PlannedRow,
} from './append-plan.js';
import type { LogCursor } from './event-cursor.js';
import {
  EVENT_INSERT_COLUMNS,
  eventFromRow,
  eventSelectColumns,
  type EventRow,
} from './event-row.js';
import type { ExpectedVersion } from './new-event.js';
import type { PreparedEvent } from './prepare-event.js';
import type { StoredEvent } from './stored-event.js';
import {
  padToPowerOfTwo,
  placeholders,
  powerOfTwoChunks,
} from './sql-batches.js';
import type { SqlDialect } from './sql-dialect.js';
import { SqliteEventInserts } from './sqlite-event-inserts.js';

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

interface ReturnedRow {
  position: number | string;
  txid?: string;
  id: string;
  source: string;
}
const LOOKUP_KEYS_PER_STATEMENT = 256;

/** The write side of the log: appends on the writer's query runner, inside its transaction. */
export class EventAppender {
  private readonly columns: string;
  private readonly sqliteInserts: SqliteEventInserts | undefined;

  constructor(private readonly dialect: SqlDialect) {
    this.columns = eventSelectColumns(dialect);
    this.sqliteInserts =
      dialect.kind === 'sqlite' ? new SqliteEventInserts() : undefined;
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
    if (rows.length === 0) return;
    const recordedAt = new Date().toISOString();
    if (this.sqliteInserts) {
      this.sqliteInserts.insert(runner, rows, recordedAt);
      return;
    }
    const width = EVENT_INSERT_COLUMNS.length;
    for (const chunk of powerOfTwoChunks(rows, INSERT_ROWS_PER_STATEMENT)) {
      const parameters = new Array<unknown>(chunk.length * width);
      let at = 0;
      for (const row of chunk)
        at = writeInsertValues(parameters, at, row, recordedAt);
      const returned: ReturnedRow[] = await runner.query(
        this.dialect.sql(insertStatement(chunk.length, this.dialect)),
        parameters,
      );
      const cursors = this.cursorsInRowOrder(chunk, returned);
      for (let i = 0; i < chunk.length; i++) {
        chunk[i].stored = toStoredEvent(chunk[i], cursors[i], recordedAt);
      }
    }
  }

  /**
   * Each inserted row's cursor, in the order of `chunk`. RETURNING promises no order, so rows
   * are matched by identity; both engines return them in VALUES order, which is checked row by
   * row before the lookup map is built for nothing.
   */
  private cursorsInRowOrder(
    chunk: PlannedRow[],
    returned: ReturnedRow[],
  ): LogCursor[] {
    const cursors = new Array<LogCursor>(chunk.length);
    let inOrder = returned.length === chunk.length;
    for (let i = 0; inOrder && i < chunk.length; i++) {
      const { event } = chunk[i];
      const row = returned[i];
      if (row.id !== event.id || row.source !== event.source) inOrder = false;
      else cursors[i] = this.dialect.cursorOfRow(row);
    }
    if (inOrder) return cursors;
    const byIdentity = new Map(
      returned.map((row) => [identity(row), this.dialect.cursorOfRow(row)]),
    );
    for (let i = 0; i < chunk.length; i++) {
      cursors[i] = byIdentity.get(identity(chunk[i].event)) as LogCursor;
    }
    return cursors;
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
          `SELECT ${this.columns} FROM events WHERE id IN (${placeholders(keys.length)})`,
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
}

const insertStatements = new Map<number, string>();

/** PostgreSQL's multi-row INSERT (SQLite writes rows one by one: SqliteEventInserts). */
function insertStatement(rowCount: number, dialect: SqlDialect): string {
  let sql = insertStatements.get(rowCount);
  if (!sql) {
    const row = `(${placeholders(EVENT_INSERT_COLUMNS.length)})`;
    sql = `INSERT INTO events (${EVENT_INSERT_COLUMNS.join(', ')}) VALUES ${new Array<string>(rowCount).fill(row).join(', ')} RETURNING position${dialect.txidColumn}, id, source`;
    insertStatements.set(rowCount, sql);
  }
  return sql;
}
