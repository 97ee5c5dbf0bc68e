import { InvalidInputError } from '../../common/errors/domain-error.js';
import type { StoredEvent } from './stored-event.js';

/**
 * Where a reader stands in the log: after every event ordered at or before this pair.
 *
 * On PostgreSQL, positions come from a sequence and transactions commit them out of order: a
 * reader that moved past position 12 before the transaction holding 11 committed would skip 11
 * for good. So readers order by (id of the writing transaction, position) and read only rows
 * whose transaction is below the oldest one still running (`pg_snapshot_xmin`): every such
 * transaction has ended, nothing can appear behind the cursor any more. SQLite has one writer
 * that commits in position order; there `txid` is always 0 and the position alone decides.
 *
 * xid8 values are 64-bit (epoch << 32 | xid); they stay below 2^53 for far longer than any
 * database lives, so they are held as numbers.
 */
export interface LogCursor {
  txid: number;
  position: number;
}

/** Before the first event. */
export const LOG_START: Readonly<LogCursor> = { txid: 0, position: 0 };

/** Negative when `a` comes first, 0 when equal, positive when `a` comes after `b`. */
export function compareCursors(a: LogCursor, b: LogCursor): number {
  return a.txid !== b.txid ? a.txid - b.txid : a.position - b.position;
}

export function cursorOf(event: StoredEvent): LogCursor {
  return { txid: event.txid ?? 0, position: event.position };
}

/**
 * A cursor as clients see it: an opaque string (`next` of a page, a stream's resume token).
 * Without a transaction id (SQLite) it is the position's digits, as cursors always were.
 */
export function encodeCursor(cursor: LogCursor): string {
  return cursor.txid === 0
    ? String(cursor.position)
    : `${cursor.txid}-${cursor.position}`;
}

/**
 * A cursor read from a client. A bare position (the digits of an event's `position`, or 0)
 * means "after the event at this position"; the store resolves it to that event's pair.
 */
export type ClientCursor = LogCursor | { position: number; txid?: undefined };

// Anchored, no nested repetition: linear on any input.
const PAIR = /^(\d{1,16})-(\d{1,16})$/;
const DIGITS = /^\d{1,16}$/;

/** Reads a client's cursor; anything else is a 400 naming `field`. */
export function decodeCursor(text: string, field: string): ClientCursor {
  if (DIGITS.test(text)) return { position: safe(Number(text), field) };
  const pair = PAIR.exec(text);
  if (!pair)
    throw new InvalidCursorError(
      field,
      `${field} must be the \`next\` of a previous page (or an event's position)`,
    );
  return {
    txid: safe(Number(pair[1]), field),
    position: safe(Number(pair[2]), field),
  };
}

export class InvalidCursorError extends InvalidInputError {}

function safe(value: number, field: string): number {
  if (!Number.isSafeInteger(value))
    throw new InvalidCursorError(field, `${field} is out of range`);
  return value;
}
