import { EventPattern } from '../patterns/event-pattern.js';
import { typeRangeBounds } from './event-query.js';

/** Most stored types a pattern page is answered from one by one; beyond, the bounded scan. */
export const MAX_FAN_OUT_TYPES = 64;
/** Most distinct stored types looked at (one index seek each) before giving up. */
const MAX_DISTINCT_TYPES_READ = 512;

export type ReadRows = <T>(sql: string, parameters: unknown[]) => Promise<T[]>;

/**
 * The stored types `pattern` matches, as exact patterns, read off the type index one distinct
 * type at a time (each an index seek, whatever the number of rows of each type); undefined when
 * the log holds too many distinct types in the pattern's range for that to pay. A page of a
 * pattern then costs one keyset read per matching type instead of a scan of the whole range
 * in position order, which grows with the log.
 */
export async function storedTypesMatching(
  pattern: EventPattern,
  read: ReadRows,
): Promise<EventPattern[] | undefined> {
  const { lower, upper } = typeRangeBounds(pattern);
  const matching: EventPattern[] = [];
  let last: string | undefined;
  for (let seek = 0; seek < MAX_DISTINCT_TYPES_READ; seek++) {
    const conditions: string[] = [];
    const parameters: string[] = [];
    if (last !== undefined) {
      conditions.push('type > ?');
      parameters.push(last);
    } else if (lower !== undefined) {
      conditions.push('type >= ?');
      parameters.push(lower);
    }
    if (upper !== undefined) {
      conditions.push('type < ?');
      parameters.push(upper);
    }
    const where =
      conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const [row] = await read<{ type: string }>(
      `SELECT type FROM events ${where} ORDER BY type LIMIT 1`,
      parameters,
    );
    if (row === undefined) return matching;
    last = row.type;
    if (!pattern.matches(last)) continue;
    if (EventPattern.problemWith(last) !== undefined) return undefined;
    matching.push(EventPattern.parse(last));
    if (matching.length > MAX_FAN_OUT_TYPES) return undefined;
  }
  return undefined;
}

/** The first `limit` positions of several position-ordered lists, in the listing's order. */
export function mergeByPosition<T extends { position: number }>(
  lists: T[][],
  limit: number,
  order: 'asc' | 'desc',
): T[] {
  const direction = order === 'asc' ? 1 : -1;
  return lists
    .flat()
    .sort((a, b) => (a.position - b.position) * direction)
    .slice(0, limit);
}
