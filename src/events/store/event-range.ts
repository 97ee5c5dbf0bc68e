/**
 * A slice of the log by position and event time, optionally one stream: what a replay reads.
 * Type filters are applied by the reader, since they combine with the subscription's patterns.
 */
export interface EventRange {
  /** Exclusive lower bound: events after this position. */
  afterPosition: number;
  /** Inclusive upper bound. */
  toPosition: number;
  /** Event time bounds (ISO-8601 UTC): since inclusive, until exclusive. */
  since?: string;
  until?: string;
  streamId?: string;
}

/** The WHERE clause of a range, with `position > ?` first so callers can page by keyset. */
export function rangeCondition(
  range: EventRange,
  after: number,
): { where: string; parameters: unknown[] } {
  const conditions = ['position > ?', 'position <= ?'];
  const parameters: unknown[] = [
    Math.max(after, range.afterPosition),
    range.toPosition,
  ];
  if (range.since !== undefined) {
    conditions.push('time >= ?');
    parameters.push(range.since);
  }
  if (range.until !== undefined) {
    conditions.push('time < ?');
    parameters.push(range.until);
  }
  if (range.streamId !== undefined) {
    conditions.push('stream_id = ?');
    parameters.push(range.streamId);
  }
  return { where: conditions.join(' AND '), parameters };
}
