import { afterAll, describe, expect, it } from 'vitest';
import {
  expectClientError,
  getJson,
  listable,
  published,
  registerUser,
  stats,
  waitForDelivery,
} from './support/http.js';
import { ProbeGate, ProbeModule } from './support/probe.module.js';
import { eventually, useTestApp } from './support/test-app.js';

const APP_SUBSCRIPTIONS = [
  'notifications.welcome',
  'analytics.counts',
  'audit.log',
];
// The orders saga and its notifications: subscribed to order.* events only.
const ORDER_SUBSCRIPTIONS = ['orders.saga', 'notifications.orders'];

describe('monitoring', () => {
  const api = useTestApp({}, { imports: [ProbeModule] });

  afterAll(() => ProbeGate.release());

  describe('GET /events/stats', () => {
    it('reports counters, subscribers per pattern and every subscription', async () => {
      const body = await stats(api);

      expect(body).toEqual({
        // The instance answering: in-memory counters (pending_commit, retrying) are its own.
        instance: expect.any(String),
        published: expect.any(Number),
        stored: expect.any(Number),
        head: expect.any(Number),
        processed: expect.any(Number),
        failed: expect.any(Number),
        dead_lettered: expect.any(Number),
        retrying: expect.any(Number),
        pending_commit: expect.any(Number),
        subscribers: {
          'user.registered': 1,
          '**': 2,
          'probe.ping': 1,
          'probe.hold': 1,
          'order.*': 1,
          'order.confirmed': 1,
          'order.cancelled': 1,
        },
        subscriptions: expect.any(Array),
        retention: { days: 90, pruned: 0, last_pruned_at: null },
      });
      expect(body.subscriptions.map((s) => s.name).sort()).toEqual(
        [
          ...APP_SUBSCRIPTIONS,
          ...ORDER_SUBSCRIPTIONS,
          'probe.chain',
          'probe.hold',
        ].sort(),
      );
      expect(
        body.subscriptions.find((s) => s.name === 'notifications.welcome'),
      ).toMatchObject({
        patterns: ['user.registered'],
        // On SQLite the one process runs every subscription.
        owner: body.instance,
        position: expect.any(Number),
        lag: expect.any(Number),
        processed: expect.any(Number),
        failed: 0,
        last_error: null,
      });
      expect(
        body.subscriptions.find((s) => s.name === 'audit.log')?.patterns,
      ).toEqual(['**']);
    });

    it('counts published and processed events per subscription', async () => {
      const before = await waitForDelivery(api);
      const processedBefore = Object.fromEntries(
        before.subscriptions.map((s) => [s.name, s.processed]),
      );

      await registerUser(api, 'stats@example.com');
      await published(api, { type: 'stats.other' });
      const after = await waitForDelivery(api);

      expect(after.published).toBe(before.published + 2);
      expect(after.head).toBe(before.head + 2);
      const processed = Object.fromEntries(
        after.subscriptions.map((s) => [
          s.name,
          s.processed - processedBefore[s.name],
        ]),
      );
      expect(processed).toEqual({
        'notifications.welcome': 1,
        'analytics.counts': 2,
        'audit.log': 2,
        'probe.chain': 0,
        'probe.hold': 0,
        'orders.saga': 0,
        'notifications.orders': 0,
      });
      expect(after.processed).toBe(before.processed + 5);
      expect(after.subscriptions.every((s) => s.lag === 0)).toBe(true);
      expect(after).toMatchObject({
        failed: 0,
        dead_lettered: 0,
        retrying: 0,
        pending_commit: 0,
      });
    });

    it('shows the lag of a subscription whose handler is busy', async () => {
      ProbeGate.close();
      try {
        await published(api, { type: 'probe.hold' });
        await published(api, { type: 'probe.hold' });
        const busy = await eventually(
          async () => {
            const body = await stats(api);
            const hold = body.subscriptions.find(
              (s) => s.name === 'probe.hold',
            );
            const others = body.subscriptions.filter(
              (s) => s.name !== 'probe.hold',
            );
            return others.every((s) => s.lag === 0)
              ? { body, hold }
              : undefined;
          },
          { what: 'the other subscriptions to catch up' },
        );
        expect(busy.hold?.lag).toBeGreaterThanOrEqual(2);
        expect(busy.hold?.position).toBeLessThan(busy.body.head);
      } finally {
        ProbeGate.release();
      }
      const after = await waitForDelivery(api);
      expect(after.subscriptions.every((s) => s.lag === 0)).toBe(true);
    });
  });

  describe('GET /events/:id/status', () => {
    it('lists every matching subscription as delivered once handled', async () => {
      const user = await registerUser(api, 'status@example.com');
      await listable(api);
      const event = (await getJson(api, `/events?aggregate_id=user-${user.id}`))
        .events[0];

      const body = await eventually(
        async () => {
          const status = await getJson(api, `/events/${event.id}/status`);
          return status.subscriptions.every(
            (s: { status: string }) => s.status === 'delivered',
          )
            ? status
            : undefined;
        },
        { what: 'delivery to every subscription' },
      );

      expect(body).toMatchObject({
        id: event.id,
        type: 'user.registered',
        position: event.position,
      });
      expect(
        body.subscriptions
          .map((s: { subscription: string }) => s.subscription)
          .sort(),
      ).toEqual([...APP_SUBSCRIPTIONS].sort());
    });

    it('lists only subscriptions whose patterns match the event', async () => {
      const event = await published(api, { type: 'status.other' });
      await waitForDelivery(api);
      const body = await getJson(api, `/events/${event.id}/status`);
      expect(body.subscriptions).toEqual(
        expect.arrayContaining([
          { subscription: 'analytics.counts', status: 'delivered' },
          { subscription: 'audit.log', status: 'delivered' },
        ]),
      );
      expect(body.subscriptions).toHaveLength(2);
    });

    it('shows pending while the handler has not finished, then delivered', async () => {
      ProbeGate.close();
      let id: string;
      try {
        id = (await published(api, { type: 'probe.hold' })).id;
        const pending = await eventually(
          async () => {
            const body = await getJson(api, `/events/${id}/status`);
            const others = body.subscriptions.filter(
              (s: { subscription: string }) => s.subscription !== 'probe.hold',
            );
            return others.every(
              (s: { status: string }) => s.status === 'delivered',
            )
              ? body
              : undefined;
          },
          { what: 'the other subscriptions to deliver' },
        );
        expect(pending.subscriptions).toContainEqual({
          subscription: 'probe.hold',
          status: 'pending',
        });
      } finally {
        ProbeGate.release();
      }
      await eventually(
        async () => {
          const body = await getJson(api, `/events/${id}/status`);
          return body.subscriptions.some(
            (s: { subscription: string; status: string }) =>
              s.subscription === 'probe.hold' && s.status === 'delivered',
          );
        },
        { what: 'probe.hold to deliver' },
      );
    });

    it('answers 404 for an unknown event', async () => {
      const response = await api.request({
        method: 'GET',
        url: '/events/unknown-event/status',
      });
      expectClientError(response, 404);
    });
  });

  describe('health', () => {
    it('GET /health reports database, subscription lag and disk as up', async () => {
      await waitForDelivery(api);
      const body = await getJson(api, '/health');
      expect(body.status).toBe('ok');
      expect(body.details).toMatchObject({
        database: { status: 'up' },
        subscriptions: { status: 'up', max_lag: 10_000 },
        disk: { status: 'up' },
      });
      expect(Object.keys(body.details.subscriptions.lag).sort()).toEqual(
        [
          ...APP_SUBSCRIPTIONS,
          ...ORDER_SUBSCRIPTIONS,
          'probe.chain',
          'probe.hold',
        ].sort(),
      );
    });

    it.each(['/health/live', '/health/ready'])(
      '%s answers 200 with status ok',
      async (url) => {
        const response = await api.request({ method: 'GET', url });
        expect(response.statusCode).toBe(200);
        expect(response.json().status).toBe('ok');
      },
    );
  });

  describe('OpenAPI', () => {
    it('serves the UI at /docs', async () => {
      const response = await api.request({ method: 'GET', url: '/docs' });
      expect(response.statusCode).toBe(200);
      expect(String(response.headers['content-type'])).toMatch(/text\/html/);
      expect(response.body).toContain('swagger-ui');
    });

    it('serves the document at /docs-json listing the endpoints', async () => {
      const document = await getJson(api, '/docs-json');
      expect(document.openapi).toMatch(/^3\./);
      const paths = Object.keys(document.paths);
      expect(paths).toEqual(
        expect.arrayContaining([
          '/users',
          '/users/{id}',
          '/events',
          '/events/{id}',
          '/events/{id}/status',
          '/events/stats',
          '/streams/{streamId}',
          '/notifications',
          '/analytics',
          '/audit',
          '/health',
          '/health/live',
          '/health/ready',
        ]),
      );
      expect(Object.keys(document.paths['/users']).sort()).toEqual([
        'get',
        'post',
      ]);
      expect(Object.keys(document.paths['/users/{id}']).sort()).toEqual([
        'delete',
        'get',
        'patch',
      ]);
    });
  });
});
