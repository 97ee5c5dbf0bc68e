// How a dead letter is laid out in event_dead_letters and read back from a row of either database.
import { publicErrorText } from '../../common/errors/public-error.js';
import type { DeadLetter } from './dead-letter.js';
import type { SqlDialect } from './sql-dialect.js';

export interface DeadLetterRow {
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

export const DEAD_LETTER_COLUMNS =
  'id, subscription, event_position, event_id, event_type, attempts, first_error, last_error, first_failed_at, last_failed_at, parked_at';
export const DEAD_LETTER_SELECTED = `${DEAD_LETTER_COLUMNS}, message_subject, message_size, message_body`;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function deadLetterFromRow(
  row: DeadLetterRow,
  dialect: SqlDialect,
): DeadLetter {
  const { toNumber, toIso } = dialect;
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

function utf8OrNull(bytes: Buffer): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}
