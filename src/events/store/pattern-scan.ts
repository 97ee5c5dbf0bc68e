import type { EventPattern } from '../patterns/event-pattern.js';
import { ENVELOPE_BYTES } from './page-bytes.js';

/** Rows one page of a pattern query reads at most, whatever the pattern and the log. */
export const PATTERN_SCAN_BUDGET = 10_000;

// Each chunk is four times the last, from one page's worth: a dense pattern stops after a
// chunk or two near its page's size, a sparse one reaches the budget in a handful of
// statements (pages of 20: 21, 84, 336, 1,344, 5,376, then the rest).
const CHUNK_GROWTH = 4;

export interface TypedPosition {
  position: number;
  /** PostgreSQL: the writing transaction (see event-cursor.ts). */
  txid?: number;
  type: string;
  /** What the row weighs in a response (see page-bytes.ts). */
  bytes: number;
}

/** Up to `limit` candidate rows after the cursor (none: from the start), in listing order. */
export type ReadCandidates<C = number> = (
  after: C | undefined,
  limit: number,
) => Promise<TypedPosition[]>;

export interface PatternScan<C = number> {
  /** Positions of the matching rows, in listing order, at most `limit`. */
  positions: number[];
  /** Where the next page starts; null when the candidates ran out. */
  next: C | null;
}

/**
 * Reads candidates in chunks and keeps those whose type the pattern matches, until `limit`
 * matches and one more (so a full page knows whether another follows), matches worth
 * `maxBytes`, the end of the candidates, or `budget` rows read. Stopped by the budget, it
 * answers what it found and the last position it read: every row up to there has been looked
 * at.
 */
export async function scanForPattern<C = number>(
  pattern: EventPattern,
  {
    after,
    limit,
    maxBytes = Number.POSITIVE_INFINITY,
    cursorOf = (row) => row.position as C,
  }: {
    after?: C;
    limit: number;
    maxBytes?: number;
    /** A row's cursor in listing order (default: its position). */
    cursorOf?: (row: TypedPosition) => C;
  },
  read: ReadCandidates<C>,
  budget = PATTERN_SCAN_BUDGET,
): Promise<PatternScan<C>> {
  const positions: number[] = [];
  const matched: C[] = [];
  let bytes = 0;
  let cursor = after;
  let scanned = 0;
  let chunk = limit + 1;
  while (scanned < budget) {
    const size = Math.min(chunk, budget - scanned);
    const rows = await read(cursor, size);
    for (const row of rows) {
      if (pattern.matches(row.type)) {
        if (positions.length === limit)
          return { positions, next: matched[limit - 1] };
        bytes += row.bytes + ENVELOPE_BYTES;
        if (positions.length > 0 && bytes > maxBytes)
          return { positions, next: matched[matched.length - 1] };
        positions.push(row.position);
        matched.push(cursorOf(row));
      }
      cursor = cursorOf(row);
    }
    scanned += rows.length;
    if (rows.length < size) return { positions, next: null };
    chunk *= CHUNK_GROWTH;
  }
  return { positions, next: cursor ?? null };
}
