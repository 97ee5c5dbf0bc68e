import { EventPattern } from '../patterns/event-pattern.js';
import { typeRangeBounds } from './event-query.js';

/** Most stored types a pattern page is answered from one by one; beyond, the bounded scan. */
export const MAX_FAN_OUT_TYPES = 64;
/** Most distinct stored types in a pattern's range read (one index seek each) before giving up. */
const MAX_DISTINCT_TYPES_READ = 512;

export type ReadRows = <T>(sql: string, parameters: unknown[]) => Promise<T[]>;

/** The stored types a pattern matches, and the log's head when they were read. */
export interface StoredTypes {
  types: EventPattern[];
  /** The newest position then: a page answered from `types` reads no further (see below). */
  head: number;
}

/**
 * The stored types `pattern` matches, as exact patterns, read off the type index one distinct
 * type at a time (each an index seek, whatever the number of rows of each type); undefined
 * when the range holds too many distinct types for that to pay. Without a literal prefix
 * (`**.failed`) the range is every stored type: a log holds far fewer types than rows, and
 * even the 512 seeks of the worst case cost less than the scan of up to 10,000 rows that a
 * sparse pattern's page would otherwise make. A page of a pattern then costs one keyset read
 * per matching type instead of a scan in position order.
 *
 * The same statement reads the head, so both come from one snapshot. The page's own read is a
 * later statement: a commit between the two may add a row of a type not in the list, and a
 * page reaching past that row would move its cursor beyond a row it never looked at. Bounded
 * by the head, the page reads exactly the log the list describes (SQLite commits positions in
 * order, so every later row lies above it).
 */
export async function storedTypesMatching(
  pattern: EventPattern,
  read: ReadRows,
): Promise<StoredTypes | undefined> {
  const { lower = '', upper } = typeRangeBounds(pattern);
  // A loose index scan: each step seeks the next distinct type in the range on the index.
  const below = upper === undefined ? '' : ' AND type < ?';
  const rows = await read<{ type: string; head: number | null }>(
    `WITH RECURSIVE stored(type) AS (
       SELECT (SELECT type FROM events WHERE type >= ?${below} ORDER BY type LIMIT 1)
       UNION ALL
       SELECT (SELECT type FROM events WHERE type > stored.type${below} ORDER BY type LIMIT 1)
       FROM stored WHERE stored.type IS NOT NULL
     )
     SELECT type, (SELECT MAX(position) FROM events) AS head
     FROM stored WHERE type IS NOT NULL LIMIT ?`,
    upper === undefined
      ? [lower, MAX_DISTINCT_TYPES_READ + 1]
      : [lower, upper, upper, MAX_DISTINCT_TYPES_READ + 1],
  );
  if (rows.length > MAX_DISTINCT_TYPES_READ) return undefined;
  const types: EventPattern[] = [];
  for (const { type } of rows) {
    if (!pattern.matches(type)) continue;
    if (EventPattern.problemWith(type) !== undefined) return undefined;
    types.push(EventPattern.parse(type));
    if (types.length > MAX_FAN_OUT_TYPES) return undefined;
  }
  return { types, head: rows[0]?.head ?? 0 };
}

/**
 * One statement merging, by position, the rows of each type (each as eventConditions writes
 * it with that type) up to `head`: the first `limit` of all of them in the listing's order,
 * positions only (SQLite). The arms carry no ORDER BY or LIMIT of their own on purpose: each
 * then reads the type index (type, position) already in position order, and SQLite merges
 * the arms lazily, reading about one row per type beyond the page. An arm with its own
 * ORDER BY ... LIMIT is a subquery SQLite materialises and sorts in a temporary B-tree: 20
 * types and pages of 20 read and sorted 420 rows to keep 21.
 */
export function mergedByPosition(
  arms: { where: string; parameters: unknown[] }[],
  {
    order,
    limit,
    head,
  }: { order: 'asc' | 'desc'; limit: number; head: number },
): { sql: string; parameters: unknown[] } {
  const union = arms
    .map(
      ({ where }) =>
        `SELECT position FROM events WHERE ${where} AND position <= ?`,
    )
    .join(' UNION ALL ');
  return {
    sql: `${union} ORDER BY position ${order === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`,
    parameters: [
      ...arms.flatMap(({ parameters }) => [...parameters, head]),
      limit,
    ],
  };
}
