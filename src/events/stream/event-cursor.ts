import { InvalidInputError } from '../../common/errors/domain-error.js';
import { MAX_POSITION } from '../../common/validation/integer.decorators.js';

const DECIMAL = /^[0-9]{1,16}$/;

/**
 * The cursor a client sees for an event: the value GET /events answers as `next` and the SSE
 * `id:` of GET /events/stream, today the event's position in decimal. Clients treat it as an
 * opaque string; these two functions are the only places that know its form.
 */
export function cursorOf(position: number): string {
  return String(position);
}

/** The position a cursor stands for; a malformed cursor is the caller's mistake, named by `field`. */
export function positionOfCursor(cursor: string, field: string): number {
  const position = DECIMAL.test(cursor) ? Number(cursor) : Number.NaN;
  if (!Number.isSafeInteger(position) || position > MAX_POSITION) {
    throw new InvalidInputError(
      field,
      `${field} must be a cursor this service gave out (an SSE id or a page's next)`,
    );
  }
  return position;
}
