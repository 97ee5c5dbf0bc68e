import type { EventQuery } from './event-query.js';
import { ROW_BYTES_SQL } from './page-bytes.js';

/** Rows with the time bounds the time index hands over whole; more, and pages scan positions. */
export const TIME_PROBE_ROWS = 2_000;
/** Positions one page of a time-bounded listing looks at, at most, past the probe. */
export const TIME_SCAN_BUDGET = 10_000;
const FIRST_WINDOW = 1_000;

export interface SizedPosition {
  position: number | string;
  bytes: number | string;
}

export interface TimeScan {
  /** Candidate rows in listing order: the page and, when there is one, the row after it. */
  rows: SizedPosition[];
  /** Where the next page starts when the budget ran out first (rows then fill no page). */
  budgetCursor: number | null;
}

type Read = (sql: string, parameters: unknown[]) => Promise<SizedPosition[]>;

/**
 * A page of a listing filtered by time alone (since/until). Event times follow no order the
 * log is kept in, so neither index serves "time bounds, in position order" by itself: the time
 * index answers whole when few rows are in the bounds (then sorted here); otherwise the page
 * reads windows of positions from its cursor, each bounded by the primary key and filtered by
 * time, until it has its rows or has looked at TIME_SCAN_BUDGET positions, and then answers
 * what it found with the cursor where it stopped, like a pattern without a literal prefix.
 * Ascending with `since`, the windows start at the first row whose time high-water mark
 * reaches it (an index lookup), not at the start of the log.
 */
export async function scanByTime(
  query: EventQuery,
  head: number,
  read: Read,
): Promise<TimeScan> {
  const bounds: string[] = [];
  const values: unknown[] = [];
  if (query.since !== undefined) {
    bounds.push('time >= ?');
    values.push(query.since);
  }
  if (query.until !== undefined) {
    bounds.push('time < ?');
    values.push(query.until);
  }
  const wanted = query.limit + 1;
  const asc = query.order === 'asc';
  // `since` alone, ascending: the high-water skip below finds the page's first rows at once,
  // and probing the time index would read up to TIME_PROBE_ROWS rows for nothing.
  if (!(asc && query.since !== undefined && query.until === undefined)) {
    const probe = await read(
      `SELECT position, ${ROW_BYTES_SQL} AS bytes FROM events WHERE ${bounds.join(' AND ')} ORDER BY time LIMIT ?`,
      [...values, TIME_PROBE_ROWS + 1],
    );
    if (probe.length <= TIME_PROBE_ROWS) {
      const after = query.after?.position;
      const rows = probe
        .filter(
          (row) =>
            after === undefined ||
            (asc ? Number(row.position) > after : Number(row.position) < after),
        )
        .sort(
          (a, b) => (Number(a.position) - Number(b.position)) * (asc ? 1 : -1),
        )
        .slice(0, wanted);
      return { rows, budgetCursor: null };
    }
  }
  let cursor = query.after?.position ?? (asc ? 0 : head + 1);
  if (asc && query.since !== undefined) {
    // Every row before the first whose time high-water mark reaches `since` has an earlier
    // time (see the migration AddTimeHighWater): one index lookup skips them all.
    const [first] = await read(
      'SELECT position, 0 AS bytes FROM events WHERE time_high_water >= ? ORDER BY time_high_water LIMIT 1',
      [query.since],
    );
    if (first === undefined) return { rows: [], budgetCursor: null };
    cursor = Math.max(cursor, Number(first.position) - 1);
  }
  return scanWindows(query, head, read, bounds, values, cursor);
}

/**
 * Windows of positions from `cursor` in listing order, each bounded by the primary key and
 * filtered by time, until the page has its rows or TIME_SCAN_BUDGET positions were looked at.
 */
async function scanWindows(
  query: EventQuery,
  head: number,
  read: Read,
  bounds: string[],
  values: unknown[],
  from: number,
): Promise<TimeScan> {
  const wanted = query.limit + 1;
  const asc = query.order === 'asc';
  const rows: SizedPosition[] = [];
  let cursor = from;
  let window = FIRST_WINDOW;
  let looked = 0;
  while (looked < TIME_SCAN_BUDGET) {
    if (asc ? cursor >= head : cursor <= 1) return { rows, budgetCursor: null };
    const size = Math.min(window, TIME_SCAN_BUDGET - looked);
    const [low, high] = asc
      ? [cursor, cursor + size] // position > low AND position <= high
      : [cursor - size - 1, cursor - 1];
    const found = await read(
      `SELECT position, ${ROW_BYTES_SQL} AS bytes FROM events WHERE position > ? AND position <= ? AND ${bounds.join(' AND ')} ORDER BY position ${asc ? 'ASC' : 'DESC'} LIMIT ?`,
      [low, high, ...values, wanted - rows.length],
    );
    rows.push(...found);
    if (rows.length === wanted) return { rows, budgetCursor: null };
    cursor = asc ? high : low + 1;
    looked += size;
    window *= 4;
  }
  const ended = asc ? cursor >= head : cursor <= 1;
  return { rows, budgetCursor: ended ? null : cursor };
}
