import { CloudEvent, HTTP } from 'cloudevents';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectClientError, getJson, published } from './support/http.js';
import {
  eventually,
  usePerTestApp,
  type ConfigOverrides,
  type TestApp,
} from './support/test-app.js';
import {
  eventIdOf,
  Receiver,
  REPLY_MARKER,
  type Received,
} from './support/webhook-receiver.js';

/** What a receiver does: verifies the raw body and headers with the standardwebhooks library. */
function verify(request: Received, secret: string): unknown {
  return new StandardWebhook(secret).verify(
    request.body.toString('utf8'),
    request.headers as Record<string, string>,
  );
}

/** Parses a delivery with the official SDK, as a receiver would (text bodies as strings). */
function parsed(request: Received): CloudEvent<unknown> {
  const binaryData =
    request.headers['ce-id'] !== undefined &&
    !/json|text/.test(String(request.headers['content-type']));
  return HTTP.toEvent({
    headers: request.headers as Record<string, string>,
    body: binaryData ? request.body : request.body.toString('utf8'),
  }) as CloudEvent<unknown>;
}

const FAST_RETRIES: ConfigOverrides = {
  event: {
    handlers: {
      retry_count: 3,
      retry_delay: 20,
      retry_max_delay: 100,
      shutdown_grace: 300,
    },
  },
  webhooks: { allowed_hosts: ['127.0.0.1'], timeout: 500 },
};

describe('webhook subscriptions', () => {
  const apps = usePerTestApp();
  let api: TestApp | undefined;
  const receivers: Receiver[] = [];

  // Runs before the app is closed: a hanging delivery must not hold the app's shutdown.
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
    api = undefined;
  });

  async function boot(overrides: ConfigOverrides = FAST_RETRIES) {
    api = await apps.boot(overrides);
    return api;
  }

  async function receiver(): Promise<{ receiver: Receiver; url: string }> {
    const created = new Receiver();
    receivers.push(created);
    return { receiver: created, url: await created.start() };
  }

  async function subscribe(body: Record<string, unknown>) {
    const response = await (api as TestApp).request({
      method: 'POST',
      url: '/subscriptions',
      payload: body,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  }

  function publishEvent(id: string, type = 'shop.order_placed', extra = {}) {
    return published(api as TestApp, {
      id,
      type,
      source: '/webhook-test',
      data: { id },
      ...extra,
    });
  }

  async function deadLetters(subscription: string) {
    const page = await getJson(
      api as TestApp,
      `/events/dead-letters?subscription=${encodeURIComponent(subscription)}`,
    );
    return page.dead_letters as any[];
  }

  async function subscriptionStats(subscription: string) {
    const stats = await getJson(api as TestApp, '/events/stats');
    return stats.subscriptions.find((s: any) => s.name === subscription);
  }

  describe('management [/subscriptions]', () => {
    it('creates, lists, gets and deletes a webhook subscription, showing its secret only in the 201', async () => {
      await boot();
      const { url } = await receiver();
      const secret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

      const created = await subscribe({
        name: 'billing',
        pattern: 'shop.*',
        url,
        mode: 'binary',
        secret,
      });

      expect(created).toMatchObject({
        name: 'billing',
        subscription: 'webhook.billing',
        pattern: 'shop.*',
        url,
        mode: 'binary',
        signed: true,
        secret,
        start_from: 'now',
        created_at: expect.any(String),
        status: { running: true, processed: 0, dead_lettered: 0 },
      });
      const list = await getJson(api as TestApp, '/subscriptions');
      expect(list.subscriptions.map((s: any) => s.name)).toEqual(['billing']);
      const one = await getJson(api as TestApp, '/subscriptions/billing');
      expect(one.url).toBe(url);
      for (const shown of [list, one]) {
        expect(JSON.stringify(shown)).not.toContain(secret.slice(6));
        expect(JSON.stringify(shown)).not.toContain('"secret"');
      }
      const stats = await getJson(api as TestApp, '/events/stats');
      expect(stats.subscriptions.map((s: any) => s.name)).toContain(
        'webhook.billing',
      );

      const deleted = await (api as TestApp).request({
        method: 'DELETE',
        url: '/subscriptions/billing',
      });
      expect(deleted.statusCode).toBe(204);
      expectClientError(
        await (api as TestApp).request({
          method: 'GET',
          url: '/subscriptions/billing',
        }),
        404,
      );
      const after = await getJson(api as TestApp, '/events/stats');
      expect(after.subscriptions.map((s: any) => s.name)).not.toContain(
        'webhook.billing',
      );
    });

    it('generates a whsec_ secret of 32 random bytes when none is given, returned once', async () => {
      await boot();
      const { url } = await receiver();

      const first = await subscribe({
        name: 'generated-1',
        pattern: '**',
        url,
      });
      const second = await subscribe({
        name: 'generated-2',
        pattern: '**',
        url,
      });

      for (const created of [first, second]) {
        expect(created.signed).toBe(true);
        expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
        expect(Buffer.from(created.secret.slice(6), 'base64')).toHaveLength(32);
      }
      expect(first.secret).not.toBe(second.secret);
      const list = await getJson(api as TestApp, '/subscriptions');
      expect(JSON.stringify(list)).not.toContain(first.secret.slice(6));
      expect(JSON.stringify(list)).not.toContain(second.secret.slice(6));
    });

    it('answers 409 for a taken name and 404 for an unknown one', async () => {
      await boot();
      const { url } = await receiver();
      await subscribe({ name: 'dup', pattern: '**', url });

      const again = await (api as TestApp).request({
        method: 'POST',
        url: '/subscriptions',
        payload: { name: 'dup', pattern: '**', url },
      });
      expectClientError(again, 409);
      expectClientError(
        await (api as TestApp).request({
          method: 'DELETE',
          url: '/subscriptions/nope',
        }),
        404,
      );
    });

    it.each([
      [{ name: 'Bad Name', pattern: '**', url: 'http://127.0.0.1/' }, 'name'],
      [
        { name: 'a', pattern: 'order.***', url: 'http://127.0.0.1/' },
        'pattern',
      ],
      [{ name: 'a', pattern: '**', url: 'ftp://127.0.0.1/file' }, 'url'],
      [{ name: 'a', pattern: '**', url: 'file:///etc/passwd' }, 'url'],
      [{ name: 'a', pattern: '**', url: 'not a url' }, 'url'],
      [
        { name: 'a', pattern: '**', url: 'http://127.0.0.1/', mode: 'x' },
        'mode',
      ],
      [
        { name: 'a', pattern: '**', url: 'http://127.0.0.1/', secret: 'short' },
        'secret',
      ],
      [
        {
          name: 'a',
          pattern: '**',
          url: 'http://127.0.0.1/',
          secret: 'a-long-shared-secret-without-prefix',
        },
        'secret',
      ],
      [
        {
          name: 'a',
          pattern: '**',
          url: 'http://127.0.0.1/',
          secret: `whsec_${Buffer.alloc(16, 1).toString('base64')}`,
        },
        'secret',
      ],
      [
        {
          name: 'a',
          pattern: '**',
          url: 'http://127.0.0.1/',
          secret: `whsec_${Buffer.alloc(65, 1).toString('base64')}`,
        },
        'secret',
      ],
      [
        {
          name: 'a',
          pattern: '**',
          url: 'http://127.0.0.1/',
          secret: 'whsec_not base64 at all, not even close!',
        },
        'secret',
      ],
      [
        {
          name: 'a',
          pattern: '**',
          url: 'http://127.0.0.1/',
          secret: `whsec_${Buffer.alloc(32, 0xfb).toString('base64url')}`,
        },
        'secret',
      ],
      [
        { name: 'a', pattern: '**', url: 'http://127.0.0.1/', start_from: 1 },
        'start_from',
      ],
      [
        { name: 'a', pattern: '**', url: 'http://127.0.0.1/', extra: 1 },
        'extra',
      ],
      [{ pattern: '**', url: 'http://127.0.0.1/' }, 'name'],
    ])('refuses %j with 400 naming %s', async (payload, field) => {
      await boot();
      const response = await (api as TestApp).request({
        method: 'POST',
        url: '/subscriptions',
        payload,
      });
      expectClientError(response, 400, field);
      expect(
        (await getJson(api as TestApp, '/subscriptions')).subscriptions,
      ).toEqual([]);
    });
  });

  describe('allowed hosts (webhooks.allowed_hosts)', () => {
    it.each([
      ['http://127.0.0.1:9/hook'],
      ['http://10.1.2.3/hook'],
      ['http://169.254.169.254/latest/meta-data'],
      ['http://[::1]:9/hook'],
      ['http://[::ffff:127.0.0.1]/hook'],
      ['http://localhost:9/hook'],
      ['http://[::127.0.0.1]:9/hook'],
      ['http://[2002:7f00:1::]/hook'],
      ['http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook'],
      ['http://192.88.99.1/hook'],
    ])('refuses the internal address %s by default', async (url) => {
      await boot({});
      const response = await (api as TestApp).request({
        method: 'POST',
        url: '/subscriptions',
        payload: { name: 'internal', pattern: '**', url },
      });
      const body = expectClientError(response, 400, 'url');
      expect(body.message).toMatch(/allowed_hosts/);
    });

    it('refuses a host that is not listed when the list has no *', async () => {
      await boot({ webhooks: { allowed_hosts: ['hooks.example.com'] } });
      const response = await (api as TestApp).request({
        method: 'POST',
        url: '/subscriptions',
        payload: { name: 'other', pattern: '**', url: 'http://127.0.0.1:9/' },
      });
      expectClientError(response, 400, 'url');
    });

    it('checks the host again at delivery: a host no longer allowed parks the event', async () => {
      await boot();
      const { receiver: target, url } = await receiver();
      await subscribe({ name: 'revoked', pattern: '**', url });
      await (api as TestApp).restart({ webhooks: { allowed_hosts: ['*'] } });

      await publishEvent('after-revocation');

      const [entry] = await eventually(
        async () => {
          const entries = await deadLetters('webhook.revoked');
          return entries.length > 0 ? entries : undefined;
        },
        { what: 'the event parked for webhook.revoked' },
      );
      expect(entry.event_id).toBe('after-revocation');
      expect(entry.attempts).toBe(1);
      expect(entry.last_error).toMatch(/internal address/);
      expect(target.requests).toHaveLength(0);
    });
  });

  describe('delivery', () => {
    it('POSTs matching events as structured CloudEvents that the SDK reads back', async () => {
      await boot();
      const { receiver: target, url } = await receiver();
      await subscribe({ name: 'orders', pattern: 'shop.*', url });

      const event = await publishEvent('structured-1', 'shop.order_placed', {
        subject: 'order 1 €',
      });
      await publishEvent('not-matching', 'user.signed_up');
      await eventually(() => target.requests.length >= 1, {
        what: 'a delivery',
      });
      await waitFor('webhook.orders', event.position + 1);

      expect(target.ids()).toEqual(['structured-1']);
      const [request] = target.requests;
      expect(request.headers['content-type']).toMatch(
        /^application\/cloudevents\+json/,
      );
      expect(request.headers['x-webhook-signature-256']).toBeUndefined();
      const received = parsed(request);
      expect(received).toMatchObject({
        specversion: '1.0',
        id: 'structured-1',
        source: '/webhook-test',
        type: 'shop.order_placed',
        subject: 'order 1 €',
        data: { id: 'structured-1' },
      });
      expect(JSON.parse(request.body.toString())).toEqual(event);
    });

    it('POSTs binary-mode CloudEvents: attributes in percent-encoded ce-* headers, data as the body', async () => {
      await boot();
      const { receiver: target, url } = await receiver();
      await subscribe({ name: 'binary', pattern: '**', url, mode: 'binary' });

      const event = await publishEvent('binary-1', 'shop.order_placed', {
        subject: 'Euro € 😀',
      });
      await eventually(() => target.requests.length >= 1, {
        what: 'a delivery',
      });

      const [request] = target.requests;
      expect(request.headers).toMatchObject({
        'ce-specversion': '1.0',
        'ce-id': 'binary-1',
        'ce-type': 'shop.order_placed',
        'ce-source': '/webhook-test',
        'ce-subject': 'Euro%20%E2%82%AC%20%F0%9F%98%80',
        'ce-position': String(event.position),
        'content-type': 'application/json',
      });
      expect(JSON.parse(request.body.toString())).toEqual({ id: 'binary-1' });
      const received = parsed(request);
      expect(received.type).toBe('shop.order_placed');
      expect(received.data).toEqual({ id: 'binary-1' });
    });

    it('sends bytes as the exact body in binary mode', async () => {
      await boot();
      const { receiver: target, url } = await receiver();
      await subscribe({ name: 'bytes', pattern: '**', url, mode: 'binary' });
      const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff]);

      const response = await (api as TestApp).request({
        method: 'POST',
        url: '/events',
        payload: bytes,
        headers: {
          'ce-specversion': '1.0',
          'ce-id': 'bytes-1',
          'ce-source': '/webhook-test',
          'ce-type': 'file.uploaded',
          'content-type': 'application/octet-stream',
        },
      });
      expect(response.statusCode, response.body).toBe(201);
      await eventually(() => target.requests.length >= 1, {
        what: 'a delivery',
      });

      expect(target.requests[0].body).toEqual(bytes);
      expect(target.requests[0].headers['content-type']).toBe(
        'application/octet-stream',
      );
    });

    it('signs every delivery per Standard Webhooks: the standardwebhooks library verifies it as a receiver would', async () => {
      await boot();
      const { receiver: target, url } = await receiver();
      const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
      await subscribe({ name: 'signed', pattern: '**', url, secret });
      const binary = await subscribe({
        name: 'signed-binary',
        pattern: '**',
        url,
        mode: 'binary',
      });

      await publishEvent('signed-1');
      await eventually(() => target.requests.length >= 2, {
        what: 'two deliveries',
      });

      for (const request of target.requests) {
        const own =
          request.headers['ce-id'] === undefined ? secret : binary.secret;
        expect(request.headers).toMatchObject({
          'webhook-id': expect.stringMatching(/^msg_[A-Za-z0-9_-]+$/),
          'webhook-timestamp': expect.stringMatching(/^\d+$/),
          'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]+=*$/),
        });
        expect(request.headers['x-webhook-signature-256']).toBeUndefined();
        expect(() => verify(request, own)).not.toThrow();
        const other = own === secret ? binary.secret : secret;
        expect(() => verify(request, other)).toThrow(/signature/i);
        const tampered = { ...request, body: Buffer.from(`${request.body} `) };
        expect(() => verify(tampered, own)).toThrow(/signature/i);
      }
      const [structured] = target.requests.filter(
        (request) => request.headers['ce-id'] === undefined,
      );
      expect(verify(structured, secret)).toMatchObject({ id: 'signed-1' });
    });

    it('refuses, through the library, a captured delivery replayed after the 5-minute tolerance', async () => {
      await boot();
      const { receiver: target, url } = await receiver();
      const { secret } = await subscribe({
        name: 'captured',
        pattern: '**',
        url,
      });
      await publishEvent('captured-1');
      await eventually(() => target.requests.length === 1, {
        what: 'a delivery',
      });
      const [captured] = target.requests;
      expect(() => verify(captured, secret)).not.toThrow();

      // The same bytes presented again six minutes later.
      const sentAt = Number(captured.headers['webhook-timestamp']) * 1000;
      const later = vi.spyOn(Date, 'now').mockReturnValue(sentAt + 6 * 60_000);
      try {
        expect(() => verify(captured, secret)).toThrow(/timestamp too old/);
      } finally {
        later.mockRestore();
      }
    });

    it('keeps one webhook-id per event and webhook across retries, re-signed with a fresh timestamp each time', async () => {
      await boot();
      const { receiver: target, url } = await receiver();
      target.answer = (_request, index) => (index < 2 ? 503 : 200);
      const { secret } = await subscribe({
        name: 'retried',
        pattern: '**',
        url,
      });
      const { receiver: other, url: otherUrl } = await receiver();
      await subscribe({ name: 'other', pattern: '**', url: otherUrl });

      const event = await publishEvent('retried-1');
      const second = await publishEvent('retried-2');
      await waitFor('webhook.retried', second.position);
      await waitFor('webhook.other', event.position);

      const attempts = target.forEvent('retried-1');
      expect(attempts).toHaveLength(3);
      const ids = new Set(attempts.map((r) => r.headers['webhook-id']));
      expect(ids.size).toBe(1);
      for (const attempt of attempts) {
        expect(() => verify(attempt, secret)).not.toThrow();
      }
      const [id] = ids;
      expect(id).not.toBe('retried-1');
      expect(target.forEvent('retried-2')[0].headers['webhook-id']).not.toBe(
        id,
      );
      expect(other.forEvent('retried-1')[0].headers['webhook-id']).not.toBe(id);
    });

    it.each([[500], [503], [408], [429]])(
      'retries after %s and delivers once the receiver accepts',
      async (status) => {
        await boot();
        const { receiver: target, url } = await receiver();
        target.answer = (_request, index) => (index < 2 ? status : 200);
        await subscribe({ name: 'flaky', pattern: '**', url });

        const event = await publishEvent(`retry-${status}`);
        await waitFor('webhook.flaky', event.position);

        expect(target.forEvent(`retry-${status}`)).toHaveLength(3);
        const stats = await subscriptionStats('webhook.flaky');
        expect(stats).toMatchObject({ processed: 1, failed: 2 });
        expect(stats.last_error).toContain(String(status));
        expect(await deadLetters('webhook.flaky')).toEqual([]);
      },
    );

    it('retries a receiver that does not answer within webhooks.timeout', async () => {
      await boot();
      const { receiver: target, url } = await receiver();
      target.answer = (_request, index) => (index === 0 ? 'hang' : 200);
      await subscribe({ name: 'slow', pattern: '**', url });

      const event = await publishEvent('slow-1');
      await waitFor('webhook.slow', event.position);

      expect(target.forEvent('slow-1')).toHaveLength(2);
      expect((await subscriptionStats('webhook.slow')).last_error).toMatch(
        /abort|timeout/i,
      );
    });

    it('parks the event at once on a 400 and keeps delivering later events', async () => {
      await boot();
      const { receiver: target, url } = await receiver();
      target.answer = (request) =>
        eventIdOf(request) === 'poison' ? 400 : 200;
      await subscribe({ name: 'strict', pattern: '**', url });

      await publishEvent('poison');
      const after = await publishEvent('after-poison');
      await waitFor('webhook.strict', after.position);

      expect(target.forEvent('poison')).toHaveLength(1);
      expect(target.forEvent('after-poison')).toHaveLength(1);
      const [entry] = await deadLetters('webhook.strict');
      expect(entry).toMatchObject({ event_id: 'poison', attempts: 1 });
      expect(entry.last_error, entry.last_error).toMatch(
        /receiver answered 400\b/,
      );
      expect(entry.last_error).not.toContain(REPLY_MARKER);
    });

    it('parks the event after retry_count attempts of 500', async () => {
      await boot();
      const { receiver: target, url } = await receiver();
      target.answer = () => 500;
      await subscribe({ name: 'down', pattern: '**', url });

      await publishEvent('never');
      const [entry] = await eventually(
        async () => {
          const entries = await deadLetters('webhook.down');
          return entries.length > 0 ? entries : undefined;
        },
        { what: 'the event parked after its retries' },
      );
      expect(entry).toMatchObject({ event_id: 'never', attempts: 3 });
      expect(target.forEvent('never')).toHaveLength(3);

      // The dead-letter API re-delivers to the webhook once it is back.
      target.answer = () => 200;
      const retried = await (api as TestApp).request({
        method: 'POST',
        url: `/events/dead-letters/${entry.id}/retry`,
      });
      expect(retried.json().outcome).toBe('delivered');
      expect(target.forEvent('never')).toHaveLength(4);
    });

    it('parks the event after retry_count attempts when the receiver refuses connections, and keeps delivering later events', async () => {
      await boot();
      const { receiver: gone, url } = await receiver();
      await gone.close(); // its port now refuses connections (ECONNREFUSED)
      await subscribe({ name: 'refusing', pattern: '**', url });

      await publishEvent('refused-1');
      const after = await publishEvent('refused-2');
      const entries = await eventually(
        async () => {
          const parked = await deadLetters('webhook.refusing');
          return parked.length === 2 ? parked : undefined;
        },
        { what: 'both events parked after their retries' },
      );

      expect(entries.map((entry) => [entry.event_id, entry.attempts])).toEqual([
        ['refused-1', 3],
        ['refused-2', 3],
      ]);
      expect(entries[0].last_error).toMatch(/ECONNREFUSED/);
      expect((await subscriptionStats('webhook.refusing')).position).toBe(
        after.position,
      );
    });

    it.each([[301], [302], [307], [308]])(
      'counts a %s redirect as a failure and never calls its target',
      async (status) => {
        await boot();
        const { receiver: moved, url } = await receiver();
        const { receiver: target, url: targetUrl } = await receiver();
        moved.answer = () => status;
        moved.location = targetUrl;
        await subscribe({ name: 'moved', pattern: '**', url });

        await publishEvent('redirected');
        const [entry] = await eventually(
          async () => {
            const entries = await deadLetters('webhook.moved');
            return entries.length > 0 ? entries : undefined;
          },
          { what: 'the redirected event parked' },
        );
        expect(entry.last_error).toMatch(
          new RegExp(`receiver answered ${status}; redirects are not followed`),
        );
        expect(entry.last_error).not.toContain(REPLY_MARKER);
        expect(entry.last_error).not.toContain(targetUrl);
        expect(moved.requests).toHaveLength(1);
        expect(target.requests).toHaveLength(0);
      },
    );

    it('delivers in log order, one at a time', async () => {
      await boot();
      const { receiver: target, url } = await receiver();
      // A failure in the middle must not let later events overtake it.
      target.answer = (request, index) =>
        eventIdOf(request) === 'order-5' && index < 7 ? 500 : 200;
      await subscribe({ name: 'ordered', pattern: '**', url });

      const ids = Array.from({ length: 12 }, (_, i) => `order-${i}`);
      for (const id of ids.slice(0, 6)) await publishEvent(id);
      const batch = await (api as TestApp).request({
        method: 'POST',
        url: '/events',
        payload: JSON.stringify(
          ids.slice(6).map((id) => ({
            specversion: '1.0',
            id,
            source: '/webhook-test',
            type: 'shop.order_placed',
          })),
        ),
        headers: { 'content-type': 'application/cloudevents-batch+json' },
      });
      expect(batch.statusCode, batch.body).toBe(201);
      await eventually(
        () =>
          target.requests.filter((r) => eventIdOf(r) === 'order-11').length ===
          1,
        { what: 'the last event delivered' },
      );

      expect([...new Set(target.ids())]).toEqual(ids);
      expect(target.accepted()).toEqual(ids);
      expect(target.forEvent('order-5')).toHaveLength(3);
    });

    it('starts from the beginning of the log when asked, from now by default', async () => {
      await boot();
      await publishEvent('old-event');
      const { receiver: target, url } = await receiver();
      await subscribe({ name: 'from-now', pattern: '**', url });
      await subscribe({
        name: 'from-start',
        pattern: '**',
        url,
        start_from: 'beginning',
      });

      const fresh = await publishEvent('new-event');
      await waitFor('webhook.from-now', fresh.position);
      await waitFor('webhook.from-start', fresh.position);

      expect(target.forEvent('old-event')).toHaveLength(1);
      expect(target.forEvent('new-event')).toHaveLength(2);
    });

    it('stops delivering once deleted', async () => {
      await boot();
      const { receiver: target, url } = await receiver();
      await subscribe({ name: 'gone', pattern: '**', url });
      const first = await publishEvent('before-delete');
      await waitFor('webhook.gone', first.position);

      await (api as TestApp).request({
        method: 'DELETE',
        url: '/subscriptions/gone',
      });
      await publishEvent('after-delete');
      // Another webhook proves the later event was dispatched at all.
      const { receiver: witness, url: witnessUrl } = await receiver();
      await subscribe({
        name: 'witness',
        pattern: '**',
        url: witnessUrl,
        start_from: 'beginning',
      });
      await eventually(() => witness.forEvent('after-delete').length === 1, {
        what: 'the witness delivery',
      });

      expect(target.ids()).toEqual(['before-delete']);
    });
  });

  describe('durability', () => {
    it('resumes from its checkpoint after a restart', async () => {
      await boot();
      const { receiver: target, url } = await receiver();
      await subscribe({ name: 'durable', pattern: '**', url });
      const first = await publishEvent('before-restart');
      await waitFor('webhook.durable', first.position);
      // The receiver is down while the app restarts: the next event waits in the log.
      target.answer = () => 503;
      await publishEvent('during-outage');
      await eventually(() => target.forEvent('during-outage').length >= 1, {
        what: 'a first failed attempt',
      });

      await (api as TestApp).restart({
        event: { handlers: { retry_count: 50, retry_delay: 20 } },
      });
      target.answer = () => 200;
      const last = await publishEvent('after-restart');
      await waitFor('webhook.durable', last.position);

      expect(target.forEvent('before-restart')).toHaveLength(1);
      expect(target.accepted()).toEqual([
        'before-restart',
        'during-outage',
        'after-restart',
      ]);
      const listed = await getJson(api as TestApp, '/subscriptions/durable');
      expect(listed.status).toMatchObject({ running: true, lag: 0 });
    });

    it('replays a range to the webhook on request', async () => {
      await boot();
      const { receiver: target, url } = await receiver();
      await subscribe({ name: 'replayed', pattern: '**', url });
      const event = await publishEvent('replay-me');
      await waitFor('webhook.replayed', event.position);

      const replay = await (api as TestApp).request({
        method: 'POST',
        url: '/events/replay',
        payload: {
          subscription: 'webhook.replayed',
          from_position: event.position,
          to_position: event.position,
        },
      });
      expect(replay.statusCode, replay.body).toBeLessThan(300);
      await eventually(() => target.forEvent('replay-me').length === 2, {
        what: 'the replayed delivery',
      });
    });
  });

  /** Waits until the subscription's checkpoint has passed `position`. */
  async function waitFor(subscription: string, position: number) {
    await eventually(
      async () => {
        const stats = await subscriptionStats(subscription);
        return stats !== undefined && stats.position >= position;
      },
      { timeoutMs: 10_000, what: `${subscription} to pass ${position}` },
    );
  }
});
