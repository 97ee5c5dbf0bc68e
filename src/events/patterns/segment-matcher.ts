/** Counts the matcher's steps, so tests can hold it to its bound. */
export interface StepMeter {
  steps: number;
}

/**
 * Whether `segments` (an event type split on '.') match the pattern `tokens`: `*` is exactly
 * one non-empty segment, `**` one or more, anything else a literal segment.
 *
 * One pass per token over a row of flags, where `reach[j]` says whether the tokens seen so far
 * consume exactly the first j segments (the NFA of the pattern run on every prefix at once).
 * Nothing is ever retried, so the work is at most (tokens + 1) × (segments + 1) steps whatever
 * the input; a backtracking regular expression needs exponential time on `**.**.….z`.
 */
export function matchSegments(
  tokens: readonly string[],
  segments: readonly string[],
  meter?: StepMeter,
): boolean {
  const count = segments.length;
  const reach = new Uint8Array(count + 1);
  reach[0] = 1;
  let steps = count + 1;
  let alive = true;
  for (let t = 0; t < tokens.length && alive; t++) {
    const token = tokens[t];
    alive = false;
    if (token === '**') {
      // reach'[j] = (reach[j-1] or reach'[j-1]) and segment j-1 is not empty.
      let before = reach[0];
      reach[0] = 0;
      for (let j = 1; j <= count; j++) {
        const previous = reach[j];
        reach[j] =
          (before | reach[j - 1]) === 1 && segments[j - 1] !== '' ? 1 : 0;
        alive ||= reach[j] === 1;
        before = previous;
      }
    } else {
      const any = token === '*';
      for (let j = count; j >= 1; j--) {
        const segment = segments[j - 1];
        reach[j] =
          reach[j - 1] === 1 && (any ? segment !== '' : segment === token)
            ? 1
            : 0;
        alive ||= reach[j] === 1;
      }
      reach[0] = 0;
    }
    steps += count + 1;
  }
  if (meter) meter.steps += steps;
  return alive && reach[count] === 1;
}
