import { beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/index.js';
import { allEvents, getJson, type CloudEvent } from './support/http.js';
import { useTestApp } from './support/test-app.js';

/**
 * Patterns are answered from each stored type they match (one keyset read per type, merged by
 * position) while they match at most 64 stored types, with or without a literal prefix, and by
 * the bounded scan beyond: pages walked either way list what a filter of the whole log lists,
 * in order, under every page size and the byte bound.
 */
describe('type patterns answered type by type', () => {
  const api = useTestApp({ event: { query: { max_page_bytes: 4096 } } });
  let everything: CloudEvent[];

  beforeAll(async () => {
    const bus = api.app.get(EventBus);
    // 40 shop.*.done types (fan-out), 70 bulk.* types (beyond it), interleaved with noise
    // that shares their prefixes but not the pattern, and payloads big enough to cut pages
    // by bytes.
    for (let round = 0; round < 6; round++) {
      await bus.publish(
        Array.from({ length: 120 }, (_, index) => {
          const kind = (round * 120 + index) % 4;
          const n = (round * 7 + index) % 70;
          return {
            type:
              kind === 0
                ? `shop.t${n % 40}.done`
                : kind === 1
                  ? `shop.t${n % 40}.started`
                  : kind === 2
                    ? `bulk.k${n}`
                    : `other.k${n}.done`,
            data: {
              round,
              index,
              padding: 'x'.repeat(index % 5 === 0 ? 600 : 20),
            },
          };
        }),
      );
    }
    everything = await allEvents(api);
  }, 60_000);

  const ids = (events: { id: string }[]) => events.map((event) => event.id);
  const matches = (pattern: RegExp) => (event: CloudEvent) =>
    pattern.test(String(event.type));

  it.each([
    ['shop.*.done', /^shop\.[^.]+\.done$/],
    ['shop.**', /^shop\..+$/],
    ['bulk.*', /^bulk\.[^.]+$/],
    // Without a literal prefix: 40 stored types match (fan-out), then 110 (beyond it).
    ['**.started', /^.+\.started$/],
    ['**.done', /^.+\.done$/],
  ])(
    'walking %s page by page lists what a filter of the whole log lists, both orders',
    async (pattern, written) => {
      for (const order of ['asc', 'desc'] as const) {
        const listed = order === 'asc' ? everything : [...everything].reverse();
        const expected = listed.filter(matches(written));
        expect(expected.length).toBeGreaterThan(50);
        for (const limit of [1, 7, 1000]) {
          const walked = await allEvents(api, { type: pattern, order }, limit);
          expect(ids(walked)).toEqual(ids(expected));
        }
      }
    },
  );

  it('a page ends at its last event and says where the next starts', async () => {
    const expected = everything.filter(matches(/^shop\.[^.]+\.done$/));
    const first = await getJson<{ events: CloudEvent[]; next: string }>(
      api,
      '/events?type=shop.*.done&limit=5',
    );
    expect(ids(first.events)).toEqual(ids(expected.slice(0, 5)));
    // On SQLite a cursor is the position's digits (opaque to clients all the same).
    expect(first.next).toBe(String(expected[4].position));
    const second = await getJson<{ events: CloudEvent[] }>(
      api,
      `/events?type=shop.*.done&limit=5&after=${first.next}`,
    );
    expect(ids(second.events)).toEqual(ids(expected.slice(5, 10)));
  });
});

describe('a pattern without a literal prefix over few stored types', () => {
  const api = useTestApp();
  const SCAN_BUDGET = 10_000;

  it('answers matches more than a scan budget apart on one page, with no cursor after the last', async () => {
    const bus = api.app.get(EventBus);
    const early = await bus.publish({ type: 'parcel.delivery.failed' });
    for (let published = 0; published <= SCAN_BUDGET; published += 1_000)
      await bus.publish(
        Array.from({ length: 1_000 }, (_, index) => ({
          type: index % 2 === 0 ? 'noise.tick' : 'noise.failed.not',
        })),
      );
    const late = await bus.publish({ type: 'a.failed' });

    for (const order of ['asc', 'desc'] as const) {
      const page = await getJson<{ events: CloudEvent[]; next: unknown }>(
        api,
        `/events?type=**.failed&order=${order}&limit=10`,
      );
      const expected = [early.id, late.id];
      expect(page.events.map((event) => event.id)).toEqual(
        order === 'asc' ? expected : [...expected].reverse(),
      );
      expect(page.next).toBeNull();
    }
  }, 60_000);
});
