import type { EventPattern } from '../patterns/event-pattern.js';
import type { LogCursor } from './event-cursor.js';
import type { SqlDialect } from './sql-dialect.js';
import type { StoredEvent } from './stored-event.js';

export interface EventQuery {
  type?: EventPattern;
  streamId?: string;
  correlationId?: string;
  /** Event time bounds (ISO-8601 UTC): since inclusive, until exclusive. */
  since?: string;
  until?: string;
  /** Keyset cursor: the page starts just past it in the listing's order. */
  after?: LogCursor;
  limit: number;
  order: 'asc' | 'desc';
  /** A page ends early, with its `next` cursor, before it would exceed this many bytes. */
  maxBytes: number;
}

export interface EventPage<E = StoredEvent> {
  events: E[];
  /**
   * Pass as `after` to read the next page; null when this page is the last. A page cut short by
   * its byte bound sets it, as does a pattern page that stopped at its scan budget (possibly
   * with no events).
   */
  next: LogCursor | null;
}

/** The number of '.' in `type`: one less than its segments; the same SQL on both engines. */
const DOTS = "LENGTH(type) - LENGTH(REPLACE(type, '.', ''))";

/** True when SQL alone decides the type filter; otherwise each row's type is matched in code. */
export function typeFilteredInSql(query: EventQuery): boolean {
  return (
    query.type === undefined ||
    query.type.isExact ||
    query.type.matchesEverything
  );
}

/**
 * One SELECT of `columns`, in log order (see SqlDialect.logOrder) so that `after` works as a
 * keyset cursor, over settled rows only (see eventConditions).
 */
export function buildEventQuery(
  query: EventQuery,
  {
    columns,
    after,
    limit,
  }: { columns: string; after?: LogCursor; limit: number },
  dialect: SqlDialect,
): { sql: string; parameters: unknown[] } {
  const { where, parameters } = eventConditions(query, after, dialect);
  const direction = query.order === 'asc' ? 'ASC' : 'DESC';
  return {
    sql: `SELECT ${columns}${dialect.txidColumn} FROM events WHERE ${where} ORDER BY ${dialect.logOrder(direction)} LIMIT ?`,
    parameters: [...parameters, limit],
  };
}

/**
 * The WHERE clause of a listing: its filters, the rows beyond `after` in the listing's order,
 * and settled rows only, so a page never moves past a row still to commit. A type pattern
 * narrows by an index range on its literal prefix (and, inside that range, by its segment
 * count); no regular expression runs in SQL, the exact match is the caller's.
 */
export function eventConditions(
  query: EventQuery,
  after: LogCursor | undefined,
  dialect: SqlDialect,
): { where: string; parameters: unknown[] } {
  const conditions: string[] = [];
  const parameters: unknown[] = [];
  const where = (condition: string, ...values: unknown[]) => {
    conditions.push(condition);
    parameters.push(...values);
  };

  const { type } = query;
  if (type && type.isExact) where('type = ?', type.source);
  else if (type && type.prefix) {
    const { lower, upper } = typeRangeBounds(type);
    where('type >= ? AND type < ?', lower, upper);
    // Only beside the prefix: the index range already bounds what the engine reads. Alone, a
    // condition that rejects most rows would let one statement read the whole log to fill
    // its LIMIT, where a plain position-order read stops after `limit` rows.
    if (type.maxSegments === type.minSegments)
      where(`${DOTS} = ?`, type.minSegments - 1);
    else if (type.minSegments > 2) where(`${DOTS} >= ?`, type.minSegments - 1);
  }
  if (query.streamId !== undefined) where('stream_id = ?', query.streamId);
  if (query.correlationId !== undefined)
    where('correlation_id = ?', query.correlationId);
  if (query.since !== undefined) where('time >= ?', query.since);
  if (query.until !== undefined) where('time < ?', query.until);
  if (after !== undefined) {
    const beyond = dialect.beyond(after, query.order === 'asc' ? '>' : '<');
    where(beyond.condition, ...beyond.parameters);
  }
  where(dialect.settled);
  return { where: conditions.join(' AND '), parameters };
}

/** The index range of the types a pattern can match: those starting with its literal prefix. */
export function typeRangeBounds(pattern: EventPattern): {
  lower?: string;
  upper?: string;
} {
  return pattern.prefix
    ? { lower: pattern.prefix, upper: upperBound(pattern.prefix) }
    : {};
}

/** Smallest string greater than every string starting with `prefix` (prefixes end with '.'). */
function upperBound(prefix: string): string {
  return (
    prefix.slice(0, -1) +
    String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)
  );
}
