import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import { uuidv7 } from '../../common/ids/uuid-v7.js';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import {
  MESSAGE_BODY_LIMIT,
  type DeadLetter,
  type DeadLetterFilter,
  type NewDeadLetter,
  type NewParkedMessage,
} from './dead-letter.js';
import {
  DEAD_LETTER_COLUMNS,
  DEAD_LETTER_SELECTED,
  deadLetterFromRow,
  type DeadLetterRow,
} from './dead-letter-row.js';
import { SqlDialect } from './sql-dialect.js';

/** The SQL of parked events and messages: park, remove, look up and page. */
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
        `INSERT INTO event_dead_letters (${DEAD_LETTER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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

  /**
   * Parks a message that could not be stored as an event. The same stream sequence parked
   * again (a redelivery after a crash) updates the existing entry.
   */
  async parkMessage(
    runner: QueryRunner,
    entry: NewParkedMessage,
  ): Promise<void> {
    const now = new Date().toISOString();
    const kept = Buffer.from(
      entry.body.buffer,
      entry.body.byteOffset,
      Math.min(entry.body.byteLength, MESSAGE_BODY_LIMIT),
    );
    await runner.query(
      this.dialect.sql(
        `INSERT INTO event_dead_letters (${DEAD_LETTER_COLUMNS}, message_subject, message_size, message_body)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (subscription, event_position) DO UPDATE SET
           attempts = event_dead_letters.attempts + 1,
           last_error = excluded.last_error,
           last_failed_at = excluded.last_failed_at,
           parked_at = excluded.parked_at`,
      ),
      [
        uuidv7(),
        entry.subscription,
        entry.streamSequence,
        entry.eventId,
        entry.eventType,
        1,
        entry.reason,
        entry.reason,
        now,
        now,
        now,
        entry.subject,
        entry.body.byteLength,
        kept.toString('base64'),
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
        `SELECT ${DEAD_LETTER_SELECTED} FROM event_dead_letters WHERE id = ?`,
      ),
      [id],
    );
    return rows.length > 0 ? deadLetterFromRow(rows[0], this.dialect) : null;
  }

  async findFor(
    subscription: string,
    eventPosition: number,
  ): Promise<DeadLetter | null> {
    const rows: DeadLetterRow[] = await this.reader.query(
      this.dialect.sql(
        `SELECT ${DEAD_LETTER_SELECTED} FROM event_dead_letters WHERE subscription = ? AND event_position = ? AND message_subject IS NULL`,
      ),
      [subscription, eventPosition],
    );
    return rows.length > 0 ? deadLetterFromRow(rows[0], this.dialect) : null;
  }

  async listForEvent(eventPosition: number): Promise<DeadLetter[]> {
    const rows: DeadLetterRow[] = await this.reader.query(
      this.dialect.sql(
        `SELECT ${DEAD_LETTER_SELECTED} FROM event_dead_letters WHERE event_position = ? AND message_subject IS NULL`,
      ),
      [eventPosition],
    );
    return rows.map((row) => deadLetterFromRow(row, this.dialect));
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
        `SELECT ${DEAD_LETTER_SELECTED} FROM event_dead_letters ${where} ORDER BY id LIMIT ?`,
      ),
      parameters,
    );
    const deadLetters = rows
      .slice(0, filter.limit)
      .map((row) => deadLetterFromRow(row, this.dialect));
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
}
