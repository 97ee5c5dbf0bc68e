import { beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/index.js';
import { getJson, type CloudEvent } from './support/http.js';
import { useTestApp } from './support/test-app.js';

const NEW = '2030-01-01T00:00:00.000Z';
const NEWER = '2031-01-01T00:00:00.000Z';
const OLD = '2020-01-01T00:00:00.000Z';
const SINCE = '2025-01-01T00:00:00Z';
/** Past the time index's whole answer (2,000 rows), so pages scan windows of positions. */
const LEADING_NEW = 2_100;
/** Past one page's scan budget (10,000 positions). */
const OLD_GAP = 10_400;
const TRAILING_NEW = 5;

interface Page {
  events: CloudEvent[];
  next: string | null;
}

/**
 * GET /events?since= with more rows in the bounds than the time index hands over whole: pages
 * read bounded windows of positions, and one that runs out of budget answers what it found
 * with its cursor. Walking the pages lists exactly what a filter of the whole log lists.
 */
describe('time-bounded listings of a large log', () => {
  const api = useTestApp();
  let everything: CloudEvent[];

  beforeAll(async () => {
    const bus = api.app.get(EventBus);
    const times = [
      ...Array<string>(LEADING_NEW).fill(NEW),
      ...Array<string>(OLD_GAP).fill(OLD),
      ...Array<string>(TRAILING_NEW).fill(NEWER),
    ];
    for (let start = 0; start < times.length; start += 500) {
      await bus.publish(
        times.slice(start, start + 500).map((time, index) => ({
          type: 'clock.tick',
          time,
          data: { n: start + index },
        })),
      );
    }
    everything = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const body: Page = await getJson<Page>(
        api,
        `/events?limit=1000${after === null ? '' : `&after=${after}`}`,
      );
      everything.push(...body.events);
      after = body.next;
      if (after === null) break;
    }
    expect(everything).toHaveLength(times.length);
  }, 180_000);

  async function walk(order: 'asc' | 'desc', limit: number) {
    const listed: CloudEvent[] = [];
    let budgetStops = 0;
    let after: string | null = null;
    for (let page = 0; page < 500; page++) {
      const body: Page = await getJson<Page>(
        api,
        `/events?since=${SINCE}&order=${order}&limit=${limit}${after === null ? '' : `&after=${after}`}`,
      );
      listed.push(...body.events);
      if (body.next !== null && body.events.length < limit) budgetStops++;
      after = body.next;
      if (after === null) return { listed, budgetStops };
    }
    throw new Error('GET /events kept answering a next page');
  }

  it.each(['asc', 'desc'] as const)(
    'walking since pages (%s) lists what a filter of the whole log lists, stopping at the budget across the gap',
    async (order) => {
      const listed = order === 'asc' ? everything : [...everything].reverse();
      const expected = listed.filter((event) => event.time !== OLD);
      expect(expected).toHaveLength(LEADING_NEW + TRAILING_NEW);
      const { listed: walked, budgetStops } = await walk(order, 500);
      expect(walked.map((event) => event.id)).toEqual(
        expected.map((event) => event.id),
      );
      expect(budgetStops).toBeGreaterThan(0);
    },
  );

  it('with few rows in the bounds, the time index answers: one page has them all, past any gap', async () => {
    const page = await getJson<Page>(
      api,
      `/events?since=2030-06-01T00:00:00Z&after=${everything[LEADING_NEW + 100].position}`,
    );
    expect(page.events.map((event) => event.id)).toEqual(
      everything.slice(-TRAILING_NEW).map((event) => event.id),
    );
    expect(page.next).toBeNull();
  });
});
