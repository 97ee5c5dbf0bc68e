import type { Database, Statement } from 'better-sqlite3';
import type { QueryRunner } from 'typeorm';
import {
  toStoredEvent,
  writeInsertValues,
  type PlannedRow,
} from './append-plan.js';
import { EVENT_INSERT_COLUMNS } from './event-row.js';
import { placeholders } from './sql-batches.js';

// SQLite rows also carry the time high-water mark where it rises (AddTimeHighWater,
// LighterEventIndexes).
const INSERT_ONE = `INSERT INTO events (${EVENT_INSERT_COLUMNS.join(', ')}, time_high_water) VALUES (${placeholders(EVENT_INSERT_COLUMNS.length + 1)})`;

// Served by ix_events_time_high_water, which holds exactly the rows that carry a mark.
const HIGHEST_MARK =
  'SELECT MAX(time_high_water) FROM events WHERE time_high_water IS NOT NULL';

interface SqliteDriver {
  databaseConnection: Database;
}

/**
 * SQLite: event rows written straight through the writer connection's better-sqlite3 handle,
 * one single-row INSERT prepared once and run per row inside the group's transaction, each
 * position read back as the row id. The multi-row INSERT it replaces went through TypeORM,
 * which spreads 14 x 256 values into each call, and built an object per RETURNING row to be
 * matched back to its event: the time inside the INSERT went from 8-10 to about 6 us per event
 * (bench/throughput.bench.ts). Errors are better-sqlite3's own (SqliteError and its SQLITE_*
 * code), which isStorageFault reads as is.
 */
export class SqliteEventInserts {
  private connection: Database | undefined;
  private insertOne: Statement | undefined;
  private highestMark: Statement | undefined;

  /** Inserts `rows` in order and fills in each one's stored event. */
  insert(runner: QueryRunner, rows: PlannedRow[], recordedAt: string): void {
    this.prepare(runner);
    const insertOne = this.insertOne as Statement;
    // Read inside the writer's transaction, so it is exact whoever wrote last, and after a
    // group that rolled back.
    let mark = ((this.highestMark as Statement).get() as string | null) ?? '';
    const values = new Array<unknown>(EVENT_INSERT_COLUMNS.length + 1);
    for (const row of rows) {
      const markAt = writeInsertValues(values, 0, row, recordedAt);
      // Only a row that raises the running maximum records it: the first row whose mark
      // reaches T is always such a row, and the others cost no index entry.
      if (row.event.time > mark) {
        mark = row.event.time;
        values[markAt] = mark;
      } else {
        values[markAt] = null;
      }
      const position = Number(insertOne.run(values).lastInsertRowid);
      row.stored = toStoredEvent(row, { position, txid: 0 }, recordedAt);
    }
  }

  /** Statements belong to the handle that prepared them; after a storage fault it is new. */
  private prepare(runner: QueryRunner): void {
    const connection = (runner.connection.driver as unknown as SqliteDriver)
      .databaseConnection;
    if (connection === this.connection) return;
    this.insertOne = connection.prepare(INSERT_ONE);
    this.highestMark = connection.prepare(HIGHEST_MARK).pluck(true);
    this.connection = connection;
  }
}
