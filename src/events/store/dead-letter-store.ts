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
  /**
   * Set for a message that never became an event (parked by the NATS consumer); its
   * `eventPosition` is then the message's stream sequence.
   */
  message?: ParkedMessage;
}

/** A received message as parked: where it came from and (the start of) what it said. */
export interface ParkedMessage {
  subject: string;
  streamSequence: number;
  /** Its size in bytes; only the first MESSAGE_BODY_LIMIT bytes are kept. */
  size: number;
  truncated: boolean;
  /** The kept bytes as UTF-8 text, or null when they are not valid UTF-8 (see bodyBase64). */
  body: string | null;
  bodyBase64: string;
}

/** Bytes of a parked message's body that are kept. */
export const MESSAGE_BODY_LIMIT = 64 * 1024;

export type NewDeadLetter = Omit<DeadLetter, 'id' | 'parkedAt' | 'message'>;

export interface NewParkedMessage {
  subscription: string;
  subject: string;
  streamSequence: number;
  body: Uint8Array;
  /** The CloudEvent's id and type, when the message got that far. */
  eventId: string;
  eventType: string;
  reason: string;
}

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
  message_subject: string | null;
  message_size: number | string | null;
  message_body: string | null;
}

const COLUMNS =
  'id, subscription, event_position, event_id, event_type, attempts, first_error, last_error, first_failed_at, last_failed_at, parked_at';
const SELECTED = `${COLUMNS}, message_subject, message_size, message_body`;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

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
        `INSERT INTO event_dead_letters (${COLUMNS}, message_subject, message_size, message_body)
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
        `SELECT ${SELECTED} FROM event_dead_letters WHERE id = ?`,
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
        `SELECT ${SELECTED} FROM event_dead_letters WHERE subscription = ? AND event_position = ? AND message_subject IS NULL`,
      ),
      [subscription, eventPosition],
    );
    return rows.length > 0 ? this.fromRow(rows[0]) : null;
  }

  async listForEvent(eventPosition: number): Promise<DeadLetter[]> {
    const rows: DeadLetterRow[] = await this.reader.query(
      this.dialect.sql(
        `SELECT ${SELECTED} FROM event_dead_letters WHERE event_position = ? AND message_subject IS NULL`,
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
        `SELECT ${SELECTED} FROM event_dead_letters ${where} ORDER BY id LIMIT ?`,
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
    const deadLetter: DeadLetter = {
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
    if (row.message_subject !== null && row.message_body !== null) {
      const size = toNumber(row.message_size ?? 0);
      const bytes = Buffer.from(row.message_body, 'base64');
      deadLetter.message = {
        subject: row.message_subject,
        streamSequence: deadLetter.eventPosition,
        size,
        truncated: size > bytes.byteLength,
        body: utf8OrNull(bytes),
        bodyBase64: row.message_body,
      };
    }
    return deadLetter;
  }
}

function utf8OrNull(bytes: Buffer): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}
