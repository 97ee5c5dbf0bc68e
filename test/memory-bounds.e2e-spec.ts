import { beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/index.js';
import { getJson, type CloudEvent } from './support/http.js';
import { useTestApp } from './support/test-app.js';

const MAX_PAGE_BYTES = 256 * 1024;
const PAYLOAD = 'p'.repeat(40 * 1024);

interface Page {
  events: CloudEvent[];
  next: string | number | null;
}

/** Answers are bounded by bytes, not only by counts: a page of large events ends early. */
describe('memory bounded by bytes', () => {
  const api = useTestApp({
    event: { query: { max_page_bytes: MAX_PAGE_BYTES } },
  });

  beforeAll(async () => {
    const bus = api.app.get(EventBus);
    await bus.publish(
      Array.from({ length: 30 }, (_, i) => ({
        type: i % 3 ? 'bulk.large' : 'bulk.other',
        streamId: 'bulk-1',
        data: { i, payload: PAYLOAD },
      })),
    );
    await bus.publish({
      type: 'bulk.huge',
      data: { payload: 'h'.repeat(2 * MAX_PAGE_BYTES) },
    });
  });

  /** Follows `next` through every page of `url`, checking each answer's size. */
  async function walk(url: string): Promise<CloudEvent[]> {
    const events: CloudEvent[] = [];
    let after: string | number | null = 0;
    for (let pages = 0; after !== null && pages < 100; pages++) {
      const response = await api.request({
        method: 'GET',
        url: `${url}${url.includes('?') ? '&' : '?'}after=${after}`,
      });
      expect(response.statusCode, response.body).toBe(200);
      const page = response.json<Page>();
      if (page.events.length > 1)
        expect(response.body.length).toBeLessThanOrEqual(MAX_PAGE_BYTES);
      events.push(...page.events);
      after = page.next;
    }
    expect(after).toBeNull();
    return events;
  }

  it('ends a page of GET /events before it exceeds event.query.max_page_bytes, with its next cursor', async () => {
    const first = await getJson<Page>(api, '/events?limit=1000');
    expect(first.events.length).toBeGreaterThan(0);
    expect(first.events.length).toBeLessThan(30);
    expect(first.next).toBe(
      String(first.events[first.events.length - 1].position),
    );

    const all = await walk('/events?limit=1000');
    expect(all.map((event) => event.position)).toEqual(
      Array.from({ length: 31 }, (_, i) => i + 1),
    );
  });

  it('sends an event larger than the bound alone on its page', async () => {
    const response = await api.request({
      method: 'GET',
      url: '/events?type=bulk.huge&limit=1000',
    });
    const page = response.json<Page>();
    expect(page.events.map((event) => event.type)).toEqual(['bulk.huge']);
  });

  it('bounds pattern pages, descending pages and stream reads the same way', async () => {
    const large = await walk('/events?type=bulk.*&limit=1000');
    expect(large).toHaveLength(31);
    const descending = await getJson<Page>(
      api,
      '/events?limit=1000&order=desc',
    );
    expect(descending.events.length).toBeLessThan(31);
    expect(descending.next).not.toBeNull();

    const stream = await getJson<Page & { version: number }>(
      api,
      '/streams/bulk-1?limit=1000',
    );
    expect(stream.version).toBe(30);
    expect(stream.events.length).toBeLessThan(30);
    expect(stream.next).toBe(stream.events.length + 1);
  });
});
