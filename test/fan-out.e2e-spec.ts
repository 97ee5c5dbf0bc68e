import { beforeAll, describe, expect, it } from 'vitest';
import {
  allEvents,
  expectClientError,
  getJson,
  published,
  registerUser,
  waitForDelivery,
  type CloudEvent,
} from './support/http.js';
import { eventually, useTestApp } from './support/test-app.js';

interface AuditEntryBody {
  position: number;
  event_id: string;
  type: string;
  source: string;
  aggregate_id: string | null;
  correlation_id: string;
  causation_id: string | null;
  occurred_at: string;
}

describe('fan-out of user events', () => {
  const api = useTestApp();

  const audit = (query: string) =>
    getJson<{ entries: AuditEntryBody[]; next: number | null }>(
      api,
      `/audit?${query}`,
    );

  it('welcomes, counts and audits one registered user', async () => {
    const user = await registerUser(api, 'fan@example.com', 'Fan Out', {
      'x-correlation-id': 'fan-1',
    });
    const [registered] = await allEvents(api, {
      aggregate_id: `user-${user.id}`,
    });

    const notifications = await eventually(
      async () => {
        const body = await getJson(api, `/notifications?user_id=${user.id}`);
        return body.total > 0 ? body : undefined;
      },
      { what: 'the welcome notification' },
    );
    expect(notifications.total).toBe(1);
    expect(notifications.notifications[0]).toMatchObject({
      user_id: user.id,
      channel: 'email',
      recipient: 'fan@example.com',
      subject: expect.stringContaining('Fan Out'),
      event_id: registered.id,
    });

    const analytics = await eventually(
      async () => {
        const body = await getJson(api, '/analytics?type=user.registered');
        return body.total > 0 ? body : undefined;
      },
      { what: 'the analytics count' },
    );
    expect(analytics.totals).toEqual({ 'user.registered': 1 });
    expect(analytics.days).toEqual([
      {
        day: registered.time.slice(0, 10),
        type: 'user.registered',
        count: 1,
      },
    ]);

    const entries = await eventually(
      async () => {
        const body = await audit(`aggregate_id=user-${user.id}`);
        return body.entries.length > 0 ? body.entries : undefined;
      },
      { what: 'the audit entry' },
    );
    expect(entries).toEqual([
      expect.objectContaining({
        position: registered.position,
        event_id: registered.id,
        type: 'user.registered',
        aggregate_id: `user-${user.id}`,
        correlation_id: 'fan-1',
        causation_id: null,
        occurred_at: registered.time,
      }),
    ]);
  });

  it('welcomes each user once, and not for updates or deletions', async () => {
    const user = await registerUser(api, 'once@example.com', 'Once');
    const patched = await api.request({
      method: 'PATCH',
      url: `/users/${user.id}`,
      payload: { name: 'Once Again' },
    });
    expect(patched.statusCode).toBe(200);
    const deleted = await api.request({
      method: 'DELETE',
      url: `/users/${user.id}`,
    });
    expect(deleted.statusCode).toBe(204);
    await waitForDelivery(api);

    const body = await getJson(api, `/notifications?user_id=${user.id}`);
    expect(body.total).toBe(1);
    const entries = (await audit(`aggregate_id=user-${user.id}`)).entries;
    expect(entries.map((entry) => entry.type)).toEqual([
      'user.registered',
      'user.updated',
      'user.deleted',
    ]);
  });

  it('lists notifications per user, newest first, paginated', async () => {
    const users = [
      await registerUser(api, 'n1@example.com', 'N1'),
      await registerUser(api, 'n2@example.com', 'N2'),
    ];
    await waitForDelivery(api);

    for (const user of users) {
      const body = await getJson(api, `/notifications?user_id=${user.id}`);
      expect(body.total).toBe(1);
      expect(body.notifications[0].user_id).toBe(user.id);
    }
    const all = await getJson(api, '/notifications?limit=100');
    const registrations = await allEvents(api, { type: 'user.registered' });
    expect(all.total).toBe(registrations.length);
    const page = await getJson(api, '/notifications?limit=1&offset=1');
    expect(page).toMatchObject({ total: all.total, limit: 1, offset: 1 });
    expect(page.notifications).toEqual([all.notifications[1]]);
  });

  describe('analytics', () => {
    it('counts events by type and by day of their time, with since/until days inclusive', async () => {
      for (const time of [
        '2024-05-01T00:00:00Z',
        '2024-05-01T23:59:59.999Z',
        '2024-05-02T12:00:00Z',
        '2024-05-03T12:00:00Z',
      ])
        await published(api, { type: 'metric.sampled', time });
      await published(api, {
        type: 'metric.reset',
        time: '2024-05-02T08:00:00+10:00',
      });
      await waitForDelivery(api);

      const all = await getJson(api, '/analytics?type=metric.sampled');
      expect(all.days).toEqual([
        { day: '2024-05-01', type: 'metric.sampled', count: 2 },
        { day: '2024-05-02', type: 'metric.sampled', count: 1 },
        { day: '2024-05-03', type: 'metric.sampled', count: 1 },
      ]);
      expect(all.total).toBe(4);

      const window = await getJson(
        api,
        '/analytics?since=2024-05-01&until=2024-05-02',
      );
      expect(window.days).toEqual([
        { day: '2024-05-01', type: 'metric.reset', count: 1 },
        { day: '2024-05-01', type: 'metric.sampled', count: 2 },
        { day: '2024-05-02', type: 'metric.sampled', count: 1 },
      ]);
      expect(window.totals).toEqual({ 'metric.reset': 1, 'metric.sampled': 3 });

      const since = await getJson(
        api,
        '/analytics?type=metric.sampled&since=2024-05-02',
      );
      expect(since.total).toBe(2);
      const until = await getJson(
        api,
        '/analytics?type=metric.sampled&until=2024-05-01',
      );
      expect(until.total).toBe(2);
    });

    it('totals match the number of events of each type', async () => {
      await waitForDelivery(api);
      const body = await getJson(api, '/analytics');
      const events = await allEvents(api);
      const expected: Record<string, number> = {};
      for (const event of events)
        expected[event.type] = (expected[event.type] ?? 0) + 1;
      expect(body.totals).toEqual(expected);
      expect(body.total).toBe(events.length);
    });

    it('refuses a day that is not YYYY-MM-DD', async () => {
      const response = await api.request({
        method: 'GET',
        url: '/analytics?since=2024-5-1',
      });
      expectClientError(response, 400, 'since');
    });
  });

  describe('audit log', () => {
    let trail: CloudEvent[];

    beforeAll(async () => {
      trail = [];
      const headers = { 'x-correlation-id': 'audit-trail' };
      for (const [type, time] of [
        ['trail.started', '2023-01-01T10:00:00Z'],
        ['trail.step', '2023-01-01T11:00:00Z'],
        ['trail.step', '2023-01-01T12:00:00Z'],
        ['trail.step', '2023-01-01T13:00:00Z'],
        ['trail.ended', '2023-01-01T14:00:00Z'],
      ])
        trail.push(
          await published(
            api,
            { type, time, aggregate_id: 'trail-1', source: '/trail' },
            headers,
          ),
        );
      await waitForDelivery(api);
    });

    it('records every event once, in log order', async () => {
      const events = await allEvents(api);
      const entries: AuditEntryBody[] = [];
      let after: number | null = null;
      do {
        const body = await audit(
          `limit=1000${after === null ? '' : `&after=${after}`}`,
        );
        entries.push(...body.entries);
        after = body.next;
      } while (after !== null);

      expect(entries.map((entry) => entry.event_id)).toEqual(
        events.map((event) => event.id),
      );
    });

    it('filters by type, aggregate_id and correlation_id', async () => {
      expect(
        (await audit('type=trail.step')).entries.map((e) => e.event_id),
      ).toEqual(trail.slice(1, 4).map((event) => event.id));
      expect((await audit('aggregate_id=trail-1')).entries).toHaveLength(5);
      const correlated = (await audit('correlation_id=audit-trail')).entries;
      expect(correlated.map((entry) => entry.event_id)).toEqual(
        trail.map((event) => event.id),
      );
      expect(correlated[0]).toMatchObject({
        source: '/trail',
        correlation_id: 'audit-trail',
        occurred_at: '2023-01-01T10:00:00.000Z',
      });
    });

    it('filters by event time, since inclusive and until exclusive', async () => {
      const body = await audit(
        `since=${encodeURIComponent('2023-01-01T11:00:00Z')}&until=${encodeURIComponent('2023-01-01T13:00:00Z')}`,
      );
      expect(body.entries.map((entry) => entry.event_id)).toEqual([
        trail[1].id,
        trail[2].id,
      ]);
    });

    it('pages with after and limit, ending with next: null', async () => {
      const seen: string[] = [];
      let after: number | null = null;
      let pages = 0;
      do {
        const body = await audit(
          `aggregate_id=trail-1&limit=2${after === null ? '' : `&after=${after}`}`,
        );
        expect(body.entries.length).toBeLessThanOrEqual(2);
        seen.push(...body.entries.map((entry) => entry.event_id));
        after = body.next;
        pages++;
      } while (after !== null && pages < 10);

      expect(pages).toBe(3);
      expect(seen).toEqual(trail.map((event) => event.id));
    });

    it.each([
      'since=yesterday',
      'until=2023-01-01',
      'after=-1',
      'limit=0',
      'limit=1001',
      'order=up',
    ])('refuses %s with 400', async (query) => {
      const response = await api.request({
        method: 'GET',
        url: `/audit?${query}`,
      });
      expectClientError(response, 400, query.split('=')[0]);
    });
  });
});
