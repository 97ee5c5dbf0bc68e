import { beforeAll, describe, expect, it } from 'vitest';
import {
  allEvents,
  expectClientError,
  getJson,
  published,
  stats,
  type CloudEvent,
} from './support/http.js';
import { useTestApp } from './support/test-app.js';

const userData = (n: number) => ({
  userId: `0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7${n}`,
  email: `u${n}@example.com`,
  name: `U${n}`,
});

interface Seed {
  type: string;
  time: string;
  aggregate_id?: string;
  correlation?: string;
  data?: unknown;
}

/** The log this file queries, in publishing invoice. */
const SEEDS: Seed[] = [
  {
    type: 'member.registered',
    time: '2024-05-01T10:00:00Z',
    aggregate_id: 'member-a',
    correlation: 'corr-a',
    data: userData(1),
  },
  {
    type: 'member.profile.updated',
    time: '2024-05-01T11:00:00Z',
    aggregate_id: 'member-a',
    correlation: 'corr-a',
  },
  {
    type: 'member.registered',
    time: '2024-05-01T12:00:00Z',
    aggregate_id: 'member-b',
    correlation: 'corr-b',
    data: userData(2),
  },
  { type: 'member', time: '2024-05-01T12:00:00.001Z', correlation: 'corr-b' },
  { type: 'memberx.created', time: '2024-05-01T13:00:00Z' },
  {
    type: 'invoice.created',
    time: '2024-05-02T00:00:00Z',
    aggregate_id: 'invoice-1',
    correlation: 'corr-o',
  },
  {
    type: 'invoice.payment.failed',
    time: '2024-05-02T12:00:00Z',
    aggregate_id: 'invoice-1',
    correlation: 'corr-o',
  },
];

const TICKS = 23;

describe('querying events', () => {
  const api = useTestApp();
  let seeded: CloudEvent[];
  let ticks: CloudEvent[];

  beforeAll(async () => {
    seeded = [];
    for (const { correlation, ...body } of SEEDS) {
      seeded.push(
        await published(
          api,
          body,
          correlation ? { 'x-correlation-id': correlation } : undefined,
        ),
      );
    }
    ticks = [];
    for (let i = 0; i < TICKS; i++) {
      ticks.push(await published(api, { type: 'page.tick', data: { i } }));
      // Another stream interleaved with the ticks.
      if (i % 5 === 0)
        await published(api, { type: 'doc.edited', aggregate_id: 'doc-1' });
    }
  });

  const seededTypes = (query: Record<string, string>) =>
    allEvents(api, query).then((events) =>
      events
        .filter(
          (event) => event.type !== 'page.tick' && event.type !== 'doc.edited',
        )
        .map((event) => event.type),
    );

  describe('type filter', () => {
    it('matches an exact type only', async () => {
      expect(await seededTypes({ type: 'member.registered' })).toEqual([
        'member.registered',
        'member.registered',
      ]);
      expect(await seededTypes({ type: 'member' })).toEqual(['member']);
    });

    it('matches one segment with *: member.* covers member.registered but not member.profile.updated', async () => {
      expect(await seededTypes({ type: 'member.*' })).toEqual([
        'member.registered',
        'member.registered',
      ]);
    });

    it('matches one or more segments with **: member.** covers member.registered and member.profile.updated', async () => {
      expect(await seededTypes({ type: 'member.**' })).toEqual([
        'member.registered',
        'member.profile.updated',
        'member.registered',
      ]);
    });

    it('matches wildcards in the middle and at the start', async () => {
      expect(await seededTypes({ type: 'invoice.*.failed' })).toEqual([
        'invoice.payment.failed',
      ]);
      expect(await seededTypes({ type: '*.created' })).toEqual([
        'memberx.created',
        'invoice.created',
      ]);
      expect(await seededTypes({ type: '**.failed' })).toEqual([
        'invoice.payment.failed',
      ]);
    });

    it('lists everything for **', async () => {
      const everything = await allEvents(api, { type: '**' });
      expect(everything).toEqual(await allEvents(api));
      expect(everything).toHaveLength((await stats(api)).published);
    });

    it('answers an empty page for a type nobody published', async () => {
      expect(await getJson(api, '/events?type=nothing.here')).toEqual({
        events: [],
        next: null,
      });
    });
  });

  describe('other filters', () => {
    it('filters by aggregate_id', async () => {
      const events = await allEvents(api, { aggregate_id: 'member-a' });
      expect(events.map((event) => event.id)).toEqual([
        seeded[0].id,
        seeded[1].id,
      ]);
    });

    it('filters by correlation_id', async () => {
      const events = await allEvents(api, { correlation_id: 'corr-b' });
      expect(events.map((event) => event.type)).toEqual([
        'member.registered',
        'member',
      ]);
      expect(events.every((event) => event.correlationid === 'corr-b')).toBe(
        true,
      );
    });

    it('filters by event time: since inclusive', async () => {
      const events = await allEvents(api, {
        since: '2024-05-01T11:00:00Z',
        until: '2024-05-03T00:00:00Z',
      });
      expect(events.map((event) => event.time)).toEqual([
        '2024-05-01T11:00:00.000Z',
        '2024-05-01T12:00:00.000Z',
        '2024-05-01T12:00:00.001Z',
        '2024-05-01T13:00:00.000Z',
        '2024-05-02T00:00:00.000Z',
        '2024-05-02T12:00:00.000Z',
      ]);
    });

    it('filters by event time: until exclusive', async () => {
      const events = await allEvents(api, { until: '2024-05-01T12:00:00Z' });
      expect(events.map((event) => event.time)).toEqual([
        '2024-05-01T10:00:00.000Z',
        '2024-05-01T11:00:00.000Z',
      ]);
    });

    it('compares instants, whatever the offset of the bound', async () => {
      const events = await allEvents(api, {
        since: '2024-05-01T14:00:00+02:00',
        until: '2024-05-01T12:00:00.001Z',
      });
      expect(events.map((event) => event.id)).toEqual([seeded[2].id]);
    });

    it('combines filters', async () => {
      const events = await allEvents(api, {
        type: 'invoice.**',
        aggregate_id: 'invoice-1',
        since: '2024-05-02T06:00:00Z',
      });
      expect(events.map((event) => event.type)).toEqual([
        'invoice.payment.failed',
      ]);
    });

    it('answers an empty page when since is after until', async () => {
      const events = await allEvents(api, {
        since: '2024-05-02T00:00:00Z',
        until: '2024-05-01T00:00:00Z',
      });
      expect(events).toEqual([]);
    });
  });

  describe('cursor pagination', () => {
    it('walks every page in ascending order, each event exactly once', async () => {
      const everything = await allEvents(api);
      const walked = await allEvents(api, {}, 7);

      expect(walked).toEqual(everything);
      const positions = walked.map((event) => event.position);
      expect(new Set(positions).size).toBe(positions.length);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(walked).toHaveLength((await stats(api)).published);
    });

    it('walks a filtered listing page by page', async () => {
      const walked = await allEvents(api, { type: 'page.tick' }, 5);
      expect(walked.map((event) => event.id)).toEqual(
        ticks.map((event) => event.id),
      );
    });

    it('answers next: null on the last page, also when it is exactly full', async () => {
      const [first, second] = [ticks[9], ticks[19]];
      const full = await getJson(
        api,
        `/events?type=page.tick&after=${first.position}&limit=10`,
      );
      expect(full.events).toHaveLength(10);
      expect(full.events[9].id).toBe(second.id);
      expect(full.next).toBe(String(second.position));

      const last = await getJson(
        api,
        `/events?type=page.tick&after=${ticks[TICKS - 4].position}&limit=3`,
      );
      expect(last.events.map((event: CloudEvent) => event.id)).toEqual(
        ticks.slice(TICKS - 3).map((event) => event.id),
      );
      expect(last.next).toBeNull();
    });

    it('answers an empty last page after the head', async () => {
      const { head } = await stats(api);
      expect(await getJson(api, `/events?after=${head}`)).toEqual({
        events: [],
        next: null,
      });
    });

    it('walks in descending order, where after means positions below the cursor', async () => {
      const ascending = await allEvents(api);
      const descending = await allEvents(api, { order: 'desc' }, 6);

      expect(descending).toEqual([...ascending].reverse());

      const page = await getJson(
        api,
        `/events?order=desc&after=${ticks[5].position}&limit=3&type=page.tick`,
      );
      expect(page.events.map((event: CloudEvent) => event.id)).toEqual([
        ticks[4].id,
        ticks[3].id,
        ticks[2].id,
      ]);
      expect(page.next).toBe(String(ticks[2].position));
    });

    it('accepts limit 1000 and refuses 1001', async () => {
      expect(
        (await api.request({ method: 'GET', url: '/events?limit=1000' }))
          .statusCode,
      ).toBe(200);
      expectClientError(
        await api.request({ method: 'GET', url: '/events?limit=1001' }),
        400,
        'limit',
      );
    });

    it('uses pages of 100 by default', async () => {
      const page = await getJson(api, '/events?type=**');
      expect(page.events.length).toBe(
        Math.min(100, (await stats(api)).published),
      );
    });
  });

  describe('GET /events/:id', () => {
    it('answers the event', async () => {
      expect(await getJson(api, `/events/${seeded[1].id}`)).toEqual(seeded[1]);
    });

    it('answers 404 for an unknown id', async () => {
      const response = await api.request({
        method: 'GET',
        url: '/events/no-such-event',
      });
      expect(expectClientError(response, 404).message).toContain(
        'no-such-event',
      );
    });
  });

  describe('GET /streams/:streamId', () => {
    it("lists an aggregate's events in version order", async () => {
      const body = await getJson(api, '/streams/doc-1');
      expect(body.stream_id).toBe('doc-1');
      expect(body.version).toBe(5);
      expect(
        body.events.map((event: CloudEvent) => event.streamversion),
      ).toEqual([1, 2, 3, 4, 5]);
      expect(
        body.events.every((event: CloudEvent) => event.streamid === 'doc-1'),
      ).toBe(true);
      expect(body.next).toBeNull();
    });

    it('pages with from_version and limit', async () => {
      const page = await getJson(api, '/streams/doc-1?from_version=2&limit=2');
      expect(
        page.events.map((event: CloudEvent) => event.streamversion),
      ).toEqual([2, 3]);
      expect(page.next).toBe(4);
    });

    it('answers 404 for a stream without events', async () => {
      const response = await api.request({
        method: 'GET',
        url: '/streams/never-written',
      });
      expectClientError(response, 404);
    });
  });
});
