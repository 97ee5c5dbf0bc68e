import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { publicErrorText } from '../../common/errors/public-error.js';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import { SqlDialect } from './sql-dialect.js';

/** An event a subscription gave up on, parked with the story of its failures. */
export interface DeadLetter {
  id: string;
  subscription: string;
  eventPosition: number;
  eventId: string;
  eventType: string;
  attempts: number;
  firstError: string;
  lastError: string;
  firstFailedAt: string;
  lastFailedAt: string;
  parkedAt: string;
}

export type NewDeadLetter = Omit<DeadLetter, 'id' | 'parkedAt'>;

export interface DeadLetterFilter {
  subscription?: string;
  type?: string;
  /** Keyset cursor: the id of the last dead letter of the previous page (ids sort by time). */
  after?: string;
  limit: number;
}

interface DeadLetterRow {
  id: string;
  subscription: string;
  event_position: number | string;
  event_id: string;
  event_type: string;
  attempts: number | string;
  first_error: string;
  last_error: string;
  first_failed_at: string | Date;
  last_failed_at: string | Date;
  parked_at: string | Date;
}

const COLUMNS =
  'id, subscription, event_position, event_id, event_type, attempts, first_error, last_error, first_failed_at, last_failed_at, parked_at';

@Injectable()
export class DeadLetterStore {
  private readonly dialect: SqlDialect;

  constructor(
    @InjectDataSource(READ_DATA_SOURCE) private readonly reader: DataSource,
  ) {
    this.dialect = SqlDialect.of(reader);
  }

  /** Parks an event; parking it again for the same subscription updates the existing entry. */
  async park(runner: QueryRunner, entry: NewDeadLetter): Promise<void> {
    await runner.query(
      this.dialect.sql(
        `INSERT INTO event_dead_letters (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (subscription, event_position) DO UPDATE SET
           attempts = event_dead_letters.attempts + excluded.attempts,
           last_error = excluded.last_error,
           last_failed_at = excluded.last_failed_at,
           parked_at = excluded.parked_at`,
      ),
      [
        uuidv7(),
        entry.subscription,
        entry.eventPosition,
        entry.eventId,
        entry.eventType,
        entry.attempts,
        entry.firstError,
        entry.lastError,
        entry.firstFailedAt,
        entry.lastFailedAt,
        new Date().toISOString(),
      ],
    );
  }

  async remove(runner: QueryRunner, id: string): Promise<void> {
    await runner.query(
      this.dialect.sql('DELETE FROM event_dead_letters WHERE id = ?'),
      [id],
    );
  }

  async removeForSubscription(
    runner: QueryRunner,
    subscription: string,
  ): Promise<void> {
    await runner.query(
      this.dialect.sql('DELETE FROM event_dead_letters WHERE subscription = ?'),
      [subscription],
    );
  }

  async get(id: string): Promise<DeadLetter | null> {
    const rows: DeadLetterRow[] = await this.reader.query(
      this.dialect.sql(
        `SELECT ${COLUMNS} FROM event_dead_letters WHERE id = ?`,
      ),
      [id],
    );
    return rows.length > 0 ? this.fromRow(rows[0]) : null;
  }

  async findFor(
    subscription: string,
    eventPosition: number,
  ): Promise<DeadLetter | null> {
    const rows: DeadLetterRow[] = await this.reader.query(
      this.dialect.sql(
        `SELECT ${COLUMNS} FROM event_dead_letters WHERE subscription = ? AND event_position = ?`,
      ),
      [subscription, eventPosition],
    );
    return rows.length > 0 ? this.fromRow(rows[0]) : null;
  }

  async listForEvent(eventPosition: number): Promise<DeadLetter[]> {
    const rows: DeadLetterRow[] = await this.reader.query(
      this.dialect.sql(
        `SELECT ${COLUMNS} FROM event_dead_letters WHERE event_position = ?`,
      ),
      [eventPosition],
    );
    return rows.map((row) => this.fromRow(row));
  }

  async list(
    filter: DeadLetterFilter,
  ): Promise<{ deadLetters: DeadLetter[]; next: string | null }> {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    if (filter.subscription !== undefined) {
      conditions.push('subscription = ?');
      parameters.push(filter.subscription);
    }
    if (filter.type !== undefined) {
      conditions.push('event_type = ?');
      parameters.push(filter.type);
    }
    if (filter.after !== undefined) {
      conditions.push('id > ?');
      parameters.push(filter.after);
    }
    const where =
      conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    parameters.push(filter.limit + 1);
    const rows: DeadLetterRow[] = await this.reader.query(
      this.dialect.sql(
        `SELECT ${COLUMNS} FROM event_dead_letters ${where} ORDER BY id LIMIT ?`,
      ),
      parameters,
    );
    const deadLetters = rows
      .slice(0, filter.limit)
      .map((row) => this.fromRow(row));
    const next =
      rows.length > filter.limit
        ? deadLetters[deadLetters.length - 1].id
        : null;
    return { deadLetters, next };
  }

  /** Parked entries per subscription right now. */
  async countBySubscription(): Promise<Map<string, number>> {
    const rows: { subscription: string; total: number | string }[] =
      await this.reader.query(
        'SELECT subscription, COUNT(*) AS total FROM event_dead_letters GROUP BY subscription',
      );
    return new Map(
      rows.map((row) => [row.subscription, this.dialect.toNumber(row.total)]),
    );
  }

  private fromRow(row: DeadLetterRow): DeadLetter {
    const { toNumber, toIso } = this.dialect;
    return {
      id: row.id,
      subscription: row.subscription,
      eventPosition: toNumber(row.event_position),
      eventId: row.event_id,
      eventType: row.event_type,
      attempts: toNumber(row.attempts),
      // Entries parked by older versions stored whole stacks.
      firstError: publicErrorText(row.first_error),
      lastError: publicErrorText(row.last_error),
      firstFailedAt: toIso(row.first_failed_at),
      lastFailedAt: toIso(row.last_failed_at),
      parkedAt: toIso(row.parked_at),
    };
  }
}
