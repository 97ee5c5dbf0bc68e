import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import { SqlDialect } from './sql-dialect.js';

/** A durable subscription's checkpoint and counters, as persisted. */
export interface SubscriptionState {
  name: string;
  /** Every event up to and including this position has been handled (or parked). */
  position: number;
  processed: number;
  failed: number;
  deadLettered: number;
  lastError: string | null;
  lastErrorAt: string | null;
}

interface SubscriptionRow {
  name: string;
  position: number | string;
  processed: number | string;
  failed: number | string;
  dead_lettered: number | string;
  last_error: string | null;
  last_error_at: string | Date | null;
}

@Injectable()
export class SubscriptionStore {
  private readonly dialect: SqlDialect;

  constructor(
    @InjectDataSource(READ_DATA_SOURCE) private readonly reader: DataSource,
  ) {
    this.dialect = SqlDialect.of(reader);
  }

  async loadAll(): Promise<Map<string, SubscriptionState>> {
    const rows: SubscriptionRow[] = await this.reader.query(
      'SELECT name, position, processed, failed, dead_lettered, last_error, last_error_at FROM event_subscriptions',
    );
    return new Map(rows.map((row) => [row.name, this.fromRow(row)]));
  }

  /** Registers a subscription seen for the first time; an existing row is left untouched. */
  async create(
    runner: QueryRunner,
    name: string,
    position: number,
  ): Promise<void> {
    await runner.query(
      this.dialect.sql(
        'INSERT INTO event_subscriptions (name, position, processed, failed, dead_lettered, updated_at) VALUES (?, ?, 0, 0, 0, ?) ON CONFLICT (name) DO NOTHING',
      ),
      [name, position, new Date().toISOString()],
    );
  }

  async save(runner: QueryRunner, state: SubscriptionState): Promise<void> {
    await runner.query(
      this.dialect.sql(
        'UPDATE event_subscriptions SET position = ?, processed = ?, failed = ?, dead_lettered = ?, last_error = ?, last_error_at = ?, updated_at = ? WHERE name = ?',
      ),
      [
        state.position,
        state.processed,
        state.failed,
        state.deadLettered,
        state.lastError,
        state.lastErrorAt,
        new Date().toISOString(),
        state.name,
      ],
    );
  }

  /** Forgets a subscription: its checkpoint and counters. */
  async delete(runner: QueryRunner, name: string): Promise<void> {
    await runner.query(
      this.dialect.sql('DELETE FROM event_subscriptions WHERE name = ?'),
      [name],
    );
  }

  private fromRow(row: SubscriptionRow): SubscriptionState {
    const { toNumber, toIso } = this.dialect;
    return {
      name: row.name,
      position: toNumber(row.position),
      processed: toNumber(row.processed),
      failed: toNumber(row.failed),
      deadLettered: toNumber(row.dead_lettered),
      lastError: row.last_error,
      lastErrorAt: row.last_error_at === null ? null : toIso(row.last_error_at),
    };
  }
}
