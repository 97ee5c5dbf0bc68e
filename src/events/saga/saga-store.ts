import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import { SqlDialect } from '../store/sql-dialect.js';
import type { SagaRecord } from './saga-record.js';

interface SagaRow {
  saga: string;
  id: string;
  stream_id: string;
  status: string;
  next_step: number | string;
  data: string;
  results: string;
  history: string;
  failure: string | null;
  version: number | string;
  last_event_id: string | null;
  revision: number | string;
  correlation_id: string | null;
  wake_at: number | string | null;
  created_at: string | Date;
  updated_at: string | Date;
}

const COLUMNS =
  'saga, id, stream_id, status, next_step, data, results, history, failure, version, last_event_id, revision, correlation_id, wake_at, created_at, updated_at';

/**
 * The `sagas` table: one row per saga instance, its state, results and step history (JSON
 * text, the same on SQLite and PostgreSQL). Writes go through the caller's transaction; reads
 * outside one use the read connection, which sees committed rows only.
 */
@Injectable()
export class SagaStore {
  private readonly dialect: SqlDialect;

  constructor(
    @InjectDataSource(READ_DATA_SOURCE) private readonly reader: DataSource,
  ) {
    this.dialect = SqlDialect.of(reader);
  }

  async insert(runner: QueryRunner, record: SagaRecord): Promise<void> {
    await runner.query(
      this.dialect.sql(
        `INSERT INTO sagas (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      [
        record.saga,
        record.id,
        record.streamId,
        record.status,
        record.nextStep,
        JSON.stringify(record.data),
        JSON.stringify(record.results),
        JSON.stringify(record.history),
        record.failure && JSON.stringify(record.failure),
        record.version,
        record.lastEventId,
        record.revision,
        record.correlationId,
        record.wakeAt,
        record.createdAt,
        record.updatedAt,
      ],
    );
  }

  /** Saves `record` if nobody changed the row since `expectedRevision`; false otherwise. */
  async update(
    runner: QueryRunner,
    record: SagaRecord,
    expectedRevision: number,
  ): Promise<boolean> {
    const result: unknown = await runner.query(
      this.dialect.sql(
        `UPDATE sagas SET status = ?, next_step = ?, results = ?, history = ?, failure = ?,
           version = ?, last_event_id = ?, revision = ?, wake_at = ?, updated_at = ?
         WHERE saga = ? AND id = ? AND revision = ?`,
      ),
      [
        record.status,
        record.nextStep,
        JSON.stringify(record.results),
        JSON.stringify(record.history),
        record.failure && JSON.stringify(record.failure),
        record.version,
        record.lastEventId,
        record.revision,
        record.wakeAt,
        record.updatedAt,
        record.saga,
        record.id,
        expectedRevision,
      ],
      true,
    );
    return (result as { affected?: number }).affected === 1;
  }

  async get(
    saga: string,
    id: string,
    runner?: QueryRunner,
  ): Promise<SagaRecord | null> {
    const rows = await this.query(
      `SELECT ${COLUMNS} FROM sagas WHERE saga = ? AND id = ?`,
      [saga, id],
      runner,
    );
    return rows[0] ?? null;
  }

  async getByStream(streamId: string): Promise<SagaRecord | null> {
    const rows = await this.query(
      `SELECT ${COLUMNS} FROM sagas WHERE stream_id = ?`,
      [streamId],
    );
    return rows[0] ?? null;
  }

  async getMany(saga: string, ids: string[]): Promise<SagaRecord[]> {
    if (ids.length === 0) return [];
    const marks = ids.map(() => '?').join(', ');
    return this.query(
      `SELECT ${COLUMNS} FROM sagas WHERE saga = ? AND id IN (${marks})`,
      [saga, ...ids],
    );
  }

  /** Unfinished sagas whose wake-up time has passed, oldest first. */
  due(saga: string, now: number, limit: number): Promise<SagaRecord[]> {
    return this.query(
      `SELECT ${COLUMNS} FROM sagas WHERE saga = ? AND wake_at IS NOT NULL AND wake_at <= ?
       ORDER BY wake_at LIMIT ${Math.trunc(limit)}`,
      [saga, now],
    );
  }

  private async query(
    text: string,
    parameters: unknown[],
    runner?: QueryRunner,
  ): Promise<SagaRecord[]> {
    const sql = this.dialect.sql(text);
    const rows: SagaRow[] = runner
      ? await runner.query(sql, parameters)
      : await this.reader.query(sql, parameters);
    return rows.map((row) => this.fromRow(row));
  }

  private fromRow(row: SagaRow): SagaRecord {
    const number = (value: unknown) => this.dialect.toNumber(value);
    return {
      saga: row.saga,
      id: row.id,
      streamId: row.stream_id,
      status: row.status as SagaRecord['status'],
      nextStep: number(row.next_step),
      data: JSON.parse(row.data) as unknown,
      results: JSON.parse(row.results) as Record<string, unknown>,
      history: JSON.parse(row.history) as SagaRecord['history'],
      failure: row.failure
        ? (JSON.parse(row.failure) as SagaRecord['failure'])
        : null,
      version: number(row.version),
      lastEventId: row.last_event_id,
      revision: number(row.revision),
      correlationId: row.correlation_id,
      wakeAt: row.wake_at === null ? null : number(row.wake_at),
      createdAt: this.dialect.toIso(row.created_at),
      updatedAt: this.dialect.toIso(row.updated_at),
    };
  }
}
