import { InvalidInputError } from '../../common/errors/domain-error.js';
import { MAX_POSITION } from '../../common/validation/integer.decorators.js';

// The one place where a gRPC cursor is made and read. Clients treat it as opaque; today it is
// the decimal position that GET /events gives as `next`, so either API's cursor resumes the
// other. A new form of cursor changes these two functions and nothing else.

const DIGITS = /^[0-9]{1,16}$/;

/** The cursor that resumes just after the event at `position`. */
export function encodeCursor(position: number): string {
  return String(position);
}

/** The position a cursor resumes after; empty: before the first event (0). */
export function decodeCursor(cursor: string, field: string): number {
  if (cursor === '') return 0;
  const position = DIGITS.test(cursor) ? Number(cursor) : Number.NaN;
  if (!(position <= MAX_POSITION)) {
    throw new InvalidInputError(
      field,
      `${field} is not a cursor this service gave out (an Event.cursor, or the next of a page)`,
    );
  }
  return position;
}
