import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import type { LogCursor } from './event-cursor.js';
import { SqlDialect } from './sql-dialect.js';

/** A durable subscription's checkpoint and counters, as persisted. */
export interface SubscriptionState {
  name: string;
  /**
   * Every event up to and including this cursor (see event-cursor.ts) has been handled (or
   * parked); `txid` is 0 on SQLite.
   */
  position: number;
  txid: number;
  processed: number;
  failed: number;
  deadLettered: number;
  lastError: string | null;
  lastErrorAt: string | null;
}

/** The lease a subscription's runner holds on PostgreSQL. */
export function subscriptionLease(name: string): string {
  return `subscription:${name}`;
}

const SELECT =
  'SELECT name, position, txid, processed, failed, dead_lettered, last_error, last_error_at FROM event_subscriptions';

const ASSIGNMENTS =
  'position = ?, txid = ?, processed = ?, failed = ?, dead_lettered = ?, last_error = ?, last_error_at = ?, updated_at = ?';

/** The stored checkpoint is already further: another instance has taken the subscription over. */
export class CheckpointConflictError extends Error {
  constructor(readonly subscription: string) {
    super(
      `the checkpoint of ${subscription} has moved on elsewhere: another instance runs it now`,
    );
  }
}

interface SubscriptionRow {
  name: string;
  position: number | string;
  txid: number | string;
  processed: number | string;
  failed: number | string;
  dead_lettered: number | string;
  last_error: string | null;
  last_error_at: string | Date | null;
}

@Injectable()
export class SubscriptionStore {
  readonly dialect: SqlDialect;

  private readonly fence: string;
  private readonly instanceId: string;

  constructor(
    @InjectDataSource(READ_DATA_SOURCE) private readonly reader: DataSource,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    this.dialect = SqlDialect.of(reader);
    this.instanceId = options.cluster.instanceId;
    // PostgreSQL: only the lease holder saves; FOR SHARE makes a takeover wait for a save in
    // flight, and a save after a takeover find another owner (see SubscriptionOwnership).
    this.fence =
      this.dialect.kind === 'postgres'
        ? ' AND EXISTS (SELECT 1 FROM event_leases l WHERE l.name = ? AND l.owner = ? FOR SHARE)'
        : '';
  }

  async loadAll(): Promise<Map<string, SubscriptionState>> {
    const rows: SubscriptionRow[] = await this.reader.query(SELECT);
    return new Map(rows.map((row) => [row.name, this.fromRow(row)]));
  }

  async load(name: string): Promise<SubscriptionState | undefined> {
    const rows: SubscriptionRow[] = await this.reader.query(
      this.dialect.sql(`${SELECT} WHERE name = ?`),
      [name],
    );
    return rows.length > 0 ? this.fromRow(rows[0]) : undefined;
  }

  /** Registers a subscription seen for the first time; an existing row is left untouched. */
  async create(
    runner: QueryRunner,
    name: string,
    start: LogCursor,
  ): Promise<void> {
    await runner.query(
      this.dialect.sql(
        'INSERT INTO event_subscriptions (name, position, txid, processed, failed, dead_lettered, updated_at) VALUES (?, ?, ?, 0, 0, 0, ?) ON CONFLICT (name) DO NOTHING',
      ),
      [name, start.position, start.txid, new Date().toISOString()],
    );
  }

  /**
   * Saves a checkpoint that moves forward (or stays): compare-and-set, so a runner that lost
   * its subscription to another instance can never move the checkpoint back. Throws
   * CheckpointConflictError when the stored one is already further, which rolls back whatever
   * else the unit wrote (a transactional handler's effects).
   */
  async save(runner: QueryRunner, state: SubscriptionState): Promise<void> {
    const result: { affected?: number } = await runner.query(
      this.dialect.sql(
        `UPDATE event_subscriptions SET ${ASSIGNMENTS} WHERE name = ? AND (txid < ? OR (txid = ? AND position <= ?))${this.fence}`,
      ),
      [
        ...this.values(state),
        state.name,
        state.txid,
        state.txid,
        state.position,
        ...(this.fence ? [subscriptionLease(state.name), this.instanceId] : []),
      ],
      true,
    );
    if (!result.affected) throw new CheckpointConflictError(state.name);
  }

  /** Moves a checkpoint anywhere, back included: a rewind the caller decided on. */
  async overwrite(
    runner: QueryRunner,
    state: SubscriptionState,
  ): Promise<void> {
    await runner.query(
      this.dialect.sql(
        `UPDATE event_subscriptions SET ${ASSIGNMENTS} WHERE name = ?`,
      ),
      [...this.values(state), state.name],
    );
  }

  private values(state: SubscriptionState): unknown[] {
    return [
      state.position,
      state.txid,
      state.processed,
      state.failed,
      state.deadLettered,
      state.lastError,
      state.lastErrorAt,
      new Date().toISOString(),
    ];
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
      txid: toNumber(row.txid),
      processed: toNumber(row.processed),
      failed: toNumber(row.failed),
      deadLettered: toNumber(row.dead_lettered),
      lastError: row.last_error,
      lastErrorAt: row.last_error_at === null ? null : toIso(row.last_error_at),
    };
  }
}
