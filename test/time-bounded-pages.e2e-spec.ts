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

/**
 * A log kept in time order, as most are: a listing `since` a time deep into it starts where
 * that time is reached (the time high-water mark's index), not at the start of the log, so its
 * first page has rows however long the log before them.
 */
describe('since deep into a log in time order', () => {
  const api = useTestApp();
  const EVENTS = 25_000;
  const FIRST_MATCH = 15_000;
  const START = Date.parse('2026-01-01T00:00:00.000Z');
  const timeOf = (n: number) => new Date(START + n * 1000).toISOString();

  beforeAll(async () => {
    const bus = api.app.get(EventBus);
    for (let start = 0; start < EVENTS; start += 1000) {
      await bus.publish(
        Array.from({ length: 1000 }, (_, index) => ({
          type: 'clock.tick',
          time: timeOf(start + index),
          data: { n: start + index },
        })),
      );
    }
  }, 180_000);

  it('answers the first rows at or after `since` on the first page, then pages on from them', async () => {
    const first = await getJson<Page>(
      api,
      `/events?since=${timeOf(FIRST_MATCH)}&limit=20`,
    );
    expect(first.events.map((event) => event.data)).toEqual(
      Array.from({ length: 20 }, (_, i) => ({ n: FIRST_MATCH + i })),
    );
    expect(first.next).not.toBeNull();
    const second = await getJson<Page>(
      api,
      `/events?since=${timeOf(FIRST_MATCH)}&limit=20&after=${first.next}`,
    );
    expect(second.events.map((event) => event.data)).toEqual(
      Array.from({ length: 20 }, (_, i) => ({ n: FIRST_MATCH + 20 + i })),
    );
  });

  it('answers an empty last page at once for a time past every event', async () => {
    const page = await getJson<Page>(
      api,
      `/events?since=${timeOf(EVENTS + 10)}&limit=20`,
    );
    expect(page).toEqual({ events: [], next: null });
  });
});
