import { beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/index.js';
import { allEvents, type CloudEvent } from './support/http.js';
import { useTestApp } from './support/test-app.js';

const START = Date.parse('2026-01-01T00:00:00.000Z');
const GROUPS = 3;
const PER_GROUP = 1_000;
/** Distinct times: fewer than events, so some events share a time (and the running maximum). */
const DISTINCT_TIMES = 1_700;

/** Event n's time: a fixed permutation of DISTINCT_TIMES seconds, so times rise and fall. */
const timeOf = (n: number) =>
  new Date(START + ((n * 7_919) % DISTINCT_TIMES) * 1_000).toISOString();

/**
 * Event times follow no order the log is kept in. A listing `since` T must list every event at
 * or after T, whatever came before it, when publishes are grouped into separate commits and
 * across a restart (the running maximum of times is then read back from the stored log), with
 * more rows in the bounds than the time index hands over whole (so pages scan from the first
 * row whose running maximum reaches T).
 */
describe('since over a log whose times rise and fall', () => {
  const api = useTestApp();
  let everything: CloudEvent[];

  beforeAll(async () => {
    for (let group = 0; group < GROUPS; group++) {
      if (group === GROUPS - 1) await api.restart();
      await api.app.get(EventBus).publish(
        Array.from({ length: PER_GROUP }, (_, index) => {
          const n = group * PER_GROUP + index;
          return { type: 'clock.tick', time: timeOf(n), data: { n } };
        }),
      );
    }
    everything = await allEvents(api);
    expect(everything).toHaveLength(GROUPS * PER_GROUP);
  }, 120_000);

  it.each([0, 1, 850, 1_350, 1_650, 1_699, 1_700])(
    'lists exactly the events at or after second %i, in log order',
    async (second) => {
      const since = new Date(START + second * 1_000).toISOString();
      const expected = everything.filter(({ time }) => time >= since);
      const listed = await allEvents(api, { since });
      expect(listed.map(({ id }) => id)).toEqual(expected.map(({ id }) => id));
    },
  );
});
