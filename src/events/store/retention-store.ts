import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { v7 as uuidv7 } from 'uuid';
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

  /** Deletes up to `limit` prunable events, oldest first; returns how many. */
  async pruneBatch(
    runner: QueryRunner,
    cutoff: string,
    upTo: LogCursor,
    limit: number,
  ): Promise<number> {
    // Every subscription has passed these rows in log order (a pair on PostgreSQL, where a
    // row below the lowest position may still be ahead of a checkpoint).
    const passed = this.dialect.beyond(upTo, '<=');
    const result = await runner.query(
      this.dialect.sql(
        `DELETE FROM events WHERE position IN (
           SELECT e.position FROM events e
           WHERE ${passed.condition} AND e.recorded_at < ? AND e.stream_id IS NULL
             AND NOT EXISTS (SELECT 1 FROM event_dead_letters d WHERE d.event_position = e.position)
           ORDER BY e.position LIMIT ?)`,
      ),
      [...passed.parameters, cutoff, limit],
      true,
    );
    return (result as { affected?: number }).affected ?? 0;
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
