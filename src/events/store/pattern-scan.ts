import type { EventPattern } from '../patterns/event-pattern.js';
import { ENVELOPE_BYTES } from './page-bytes.js';

/** Rows one page of a pattern query reads at most, whatever the pattern and the log. */
export const PATTERN_SCAN_BUDGET = 10_000;

// Later chunks grow, so a sparse pattern needs few statements and a dense one reads little.
const MIN_CHUNK = 1_000;

export interface TypedPosition {
  position: number;
  type: string;
  /** What the row weighs in a response (see page-bytes.ts). */
  bytes: number;
}

/** Up to `limit` candidate rows after the cursor (none: from the start), in listing order. */
export type ReadCandidates = (
  after: number | undefined,
  limit: number,
) => Promise<TypedPosition[]>;

export interface PatternScan {
  /** Positions of the matching rows, in listing order, at most `limit`. */
  positions: number[];
  /** Where the next page starts; null when the candidates ran out. */
  next: number | null;
}

/**
 * Reads candidates in chunks and keeps those whose type the pattern matches, until `limit`
 * matches and one more (so a full page knows whether another follows), matches worth
 * `maxBytes`, the end of the candidates, or `budget` rows read. Stopped by the budget, it
 * answers what it found and the last position it read: every row up to there has been looked
 * at.
 */
export async function scanForPattern(
  pattern: EventPattern,
  {
    after,
    limit,
    maxBytes = Number.POSITIVE_INFINITY,
  }: { after?: number; limit: number; maxBytes?: number },
  read: ReadCandidates,
  budget = PATTERN_SCAN_BUDGET,
): Promise<PatternScan> {
  const positions: number[] = [];
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
          return { positions, next: positions[limit - 1] };
        bytes += row.bytes + ENVELOPE_BYTES;
        if (positions.length > 0 && bytes > maxBytes)
          return { positions, next: positions[positions.length - 1] };
        positions.push(row.position);
      }
      cursor = row.position;
    }
    scanned += rows.length;
    if (rows.length < size) return { positions, next: null };
    chunk = Math.max(chunk * 4, MIN_CHUNK);
  }
  return { positions, next: cursor ?? null };
}
