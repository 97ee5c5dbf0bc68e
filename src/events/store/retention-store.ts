import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { uuidv7 } from '../../common/ids/uuid-v7.js';
import type { DataSource, QueryRunner } from 'typeorm';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import type { LogCursor } from './event-cursor.js';
import { SqlDialect } from './sql-dialect.js';

export interface RetentionTotals {
  /** Events pruned over the store's lifetime. */
  pruned: number;
  lastPrunedAt: string | null;
}

/**
 * The SQL of retention. An event is prunable when it was recorded before the cutoff, every
 * subscription has passed it, it is parked for none, and it belongs to no stream.
 */
@Injectable()
export class RetentionStore {
  private readonly dialect: SqlDialect;

  constructor(
    @InjectDataSource(READ_DATA_SOURCE) private readonly reader: DataSource,
  ) {
    this.dialect = SqlDialect.of(reader);
  }

  /** The lowest checkpoint of all registered subscriptions, in log order; null when none. */
  async lowestCheckpoint(): Promise<LogCursor | null> {
    const [row] = (await this.reader.query(
      `SELECT position, txid FROM event_subscriptions ORDER BY ${this.dialect.logOrder()} LIMIT 1`,
    )) as { position: number | string; txid: number | string }[];
    return row ? this.dialect.cursorOfRow(row) : null;
  }

  /**
   * The first position at or after `from` recorded at or after `cutoff`, or null when no row up
   * to `upTo` is that recent: prunable rows lie below it. Found by bisecting positions through
   * the primary key (about 20 point reads for a million rows) rather than by scanning, as
   * events carry no recorded_at index. Positions follow recorded_at but for a clock that went
   * back: then the bound may fall early and the rows past it wait for a later run; it never
   * lets a recent row be pruned, which pruneBatch checks row by row.
   */
  async recentFrom(
    cutoff: string,
    from: number,
    upTo: number,
  ): Promise<number | null> {
    let low = from;
    let high = upTo + 1; // exclusive: no recent row found yet
    while (low < high) {
      const middle = low + Math.floor((high - low) / 2);
      const [row] = (await this.reader.query(
        this.dialect.sql(
          'SELECT position, recorded_at FROM events WHERE position >= ? AND position < ? ORDER BY position LIMIT 1',
        ),
        [middle, high],
      )) as { position: number | string; recorded_at: unknown }[];
      if (row === undefined) {
        high = middle; // no row in [middle, high): the answer, if any, is below
        continue;
      }
      const position = this.dialect.toNumber(row.position);
      if (this.dialect.toIso(row.recorded_at) < cutoff) low = position + 1;
      else high = position;
    }
    return high > upTo ? null : high;
  }

  /**
   * Deletes up to `limit` prunable events after position `after` and below `below`, oldest
   * first. Returns how many, and the highest position deleted: rows below it that stay are
   * kept for good reasons (a stream, a dead letter), so the next batch starts past it instead
   * of reading them again.
   */
  async pruneBatch(
    runner: QueryRunner,
    range: { cutoff: string; upTo: LogCursor; after: number; below: number },
    limit: number,
  ): Promise<{ pruned: number; last: number | null }> {
    // Every subscription has passed these rows in log order (a pair on PostgreSQL, where a
    // row below the lowest position may still be ahead of a checkpoint). The rows are read by
    // key range; the dead letters once per statement (NOT IN), not once per row.
    const passed = this.dialect.beyond(range.upTo, '<=');
    // Structured: the rows RETURNING gave (a plain answer to a DELETE is [rows, count] on
    // PostgreSQL).
    const { records: rows = [] } = (await runner.query(
      this.dialect.sql(
        `DELETE FROM events WHERE position IN (
           SELECT e.position FROM events e
           WHERE e.position > ? AND e.position < ? AND ${passed.condition}
             AND e.recorded_at < ? AND ${this.dialect.unindexed('e.stream_id')} IS NULL
             AND e.position NOT IN (SELECT event_position FROM event_dead_letters)
           ORDER BY e.position LIMIT ?)
         RETURNING position`,
      ),
      [range.after, range.below, ...passed.parameters, range.cutoff, limit],
      true,
    )) as { records?: { position: number | string }[] };
    let last: number | null = null;
    for (const row of rows) {
      const position = this.dialect.toNumber(row.position);
      if (last === null || position > last) last = position;
    }
    return { pruned: rows.length, last };
  }

  async recordRun(
    runner: QueryRunner,
    run: { cutoff: string; upToPosition: number; pruned: number },
  ): Promise<void> {
    await runner.query(
      this.dialect.sql(
        'INSERT INTO event_retention_runs (id, ran_at, cutoff, up_to_position, pruned) VALUES (?, ?, ?, ?, ?)',
      ),
      [
        uuidv7(),
        new Date().toISOString(),
        run.cutoff,
        run.upToPosition,
        run.pruned,
      ],
    );
  }

  async totals(): Promise<RetentionTotals> {
    const [row] = (await this.reader.query(
      'SELECT COALESCE(SUM(pruned), 0) AS pruned, MAX(ran_at) AS last FROM event_retention_runs',
    )) as { pruned: number | string; last: string | Date | null }[];
    return {
      pruned: this.dialect.toNumber(row.pruned),
      lastPrunedAt: row.last === null ? null : this.dialect.toIso(row.last),
    };
  }
}
