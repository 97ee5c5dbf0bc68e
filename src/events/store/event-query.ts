import type { EventPattern } from '../event-pattern.js';
import { EVENT_SELECT_COLUMNS } from './event-row.js';
import type { SqlDialect } from './sql-dialect.js';
import type { StoredEvent } from './stored-event.js';

export interface EventQuery {
  type?: EventPattern;
  streamId?: string;
  correlationId?: string;
  /** Event time bounds (ISO-8601 UTC): since inclusive, until exclusive. */
  since?: string;
  until?: string;
  /** Keyset cursor: a position; the page starts just past it in the listing's order. */
  after?: number;
  limit: number;
  order: 'asc' | 'desc';
}

export interface EventPage {
  events: StoredEvent[];
  /** Pass as `after` to read the next page; null when this page is the last. */
  next: number | null;
}

/**
 * One SELECT per query, ordered by position so that `after` works as a keyset cursor.
 * A type pattern becomes an index range on its literal prefix plus an exact regex check.
 */
export function buildEventQuery(
  query: EventQuery,
  dialect: SqlDialect,
): { sql: string; parameters: unknown[] } {
  const conditions: string[] = [];
  const parameters: unknown[] = [];
  const where = (condition: string, ...values: unknown[]) => {
    conditions.push(condition);
    parameters.push(...values);
  };

  const { type } = query;
  if (type && type.isExact) where('type = ?', type.source);
  else if (type && !type.matchesEverything) {
    if (type.prefix)
      where('type >= ? AND type < ?', type.prefix, upperBound(type.prefix));
    where(dialect.regexMatch('type'), type.regex);
  }
  if (query.streamId !== undefined) where('stream_id = ?', query.streamId);
  if (query.correlationId !== undefined)
    where('correlation_id = ?', query.correlationId);
  if (query.since !== undefined) where('time >= ?', query.since);
  if (query.until !== undefined) where('time < ?', query.until);
  if (query.after !== undefined) {
    where(query.order === 'asc' ? 'position > ?' : 'position < ?', query.after);
  }

  const filter =
    conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const direction = query.order === 'asc' ? 'ASC' : 'DESC';
  parameters.push(query.limit + 1); // one extra row tells whether another page exists
  return {
    sql: `SELECT ${EVENT_SELECT_COLUMNS} FROM events ${filter} ORDER BY position ${direction} LIMIT ?`,
    parameters,
  };
}

/** Smallest string greater than every string starting with `prefix` (prefixes end with '.'). */
function upperBound(prefix: string): string {
  return (
    prefix.slice(0, -1) +
    String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)
  );
}
