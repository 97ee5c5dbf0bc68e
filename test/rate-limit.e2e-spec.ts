import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, testKey, withKeys } from './support/api-keys.js';
import { expectClientError } from './support/http.js';
import {
  startTestApp,
  temporaryDirectory,
  useTestApp,
  type TestApp,
} from './support/test-app.js';

const LIMIT = 3;
const shipping = testKey('shipping', ['publisher', 'reader']);
const batcher = testKey('batcher', ['publisher']);
const ops = testKey('ops', ['admin']);

describe('rate limits per API key', () => {
  const api = useTestApp({
    ...withKeys(shipping, batcher, ops),
    rate_limit: { limit: LIMIT, ttl: '1m' },
  });
  let sequence = 0;

  function publishAs(key: typeof shipping, id = `rl-${++sequence}`) {
    return api.request({
      method: 'POST',
      url: '/events',
      headers: bearer(key),
      payload: { type: 'parcel.scanned', id },
    });
  }

  it('answers 429 with Retry-After past the limit, stores nothing, and leaves other keys and health checks alone', async () => {
    for (let i = 0; i < LIMIT; i++) {
      const response = await publishAs(shipping);
      expect(response.statusCode, response.body).toBe(201);
      expect(response.headers['x-ratelimit-limit']).toBe(String(LIMIT));
      expect(response.headers['x-ratelimit-remaining']).toBe(
        String(LIMIT - i - 1),
      );
      expect(Number(response.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    }
    const refused = await publishAs(shipping, 'rl-refused');
    const body = expectClientError(refused, 429);
    expect(body.message).toMatch(/rate limit/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);

    const lookup = await api.request({
      method: 'GET',
      url: '/events/rl-refused?source=/keys/shipping',
      headers: bearer(ops),
    });
    expect(lookup.statusCode).toBe(404);

    // Reads count against the same budget: one budget per key for the whole API.
    const read = await api.request({
      method: 'GET',
      url: '/events',
      headers: bearer(shipping),
    });
    expect(read.statusCode).toBe(429);
    const otherKey = await api.request({
      method: 'GET',
      url: '/events',
      headers: bearer(ops),
    });
    expect(otherKey.statusCode).toBe(200);

    for (const url of ['/health/live', '/health/ready', '/health']) {
      const probe = await api.request({
        method: 'GET',
        url,
        headers: bearer(shipping),
      });
      expect(probe.statusCode, url).toBe(200);
    }
  });

  it('counts a batch request once, whatever its size', async () => {
    const batch = () =>
      Array.from({ length: 5 }, () => ({
        specversion: '1.0',
        id: `rl-batch-${++sequence}`,
        source: '/keys/batcher',
        type: 'parcel.scanned',
      }));
    for (let i = 0; i < LIMIT; i++) {
      const response = await api.request({
        method: 'POST',
        url: '/events',
        headers: {
          ...bearer(batcher),
          'content-type': 'application/cloudevents-batch+json',
        },
        payload: JSON.stringify(batch()),
      });
      expect(response.statusCode, response.body).toBe(201);
    }
    expect((await publishAs(batcher)).statusCode).toBe(429);
  });
});

describe('rate limits under overlapping requests over real HTTP', () => {
  const BURST_LIMIT = 4;
  const EXTRA = 8;
  const burster = testKey('burster', ['publisher']);
  const auditor = testKey('auditor', ['admin']);
  const api = useTestApp({
    ...withKeys(burster, auditor),
    rate_limit: { limit: BURST_LIMIT, ttl: '1m' },
  });
  let baseUrl: string;

  beforeAll(async () => {
    await api.app.listen(0, '127.0.0.1');
    baseUrl = await api.app.getUrl();
  });

  it(`lets exactly ${BURST_LIMIT} of ${BURST_LIMIT + EXTRA} simultaneous publishes through; the rest get 429 with Retry-After and store nothing`, async () => {
    const ids = Array.from(
      { length: BURST_LIMIT + EXTRA },
      (_, index) => `burst-${index}`,
    );
    // All sent before any answer is read: each on a connection of its own, in flight at once.
    const responses = await Promise.all(
      ids.map(async (id) => {
        const response = await fetch(`${baseUrl}/events`, {
          method: 'POST',
          headers: { ...bearer(burster), 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'parcel.burst', id }),
        });
        return {
          id,
          status: response.status,
          retryAfter: response.headers.get('retry-after'),
          contentType: response.headers.get('content-type'),
          body: (await response.json()) as Record<string, unknown>,
        };
      }),
    );

    const accepted = responses.filter((response) => response.status === 201);
    const refused = responses.filter((response) => response.status !== 201);
    expect(accepted).toHaveLength(BURST_LIMIT);
    expect(refused).toHaveLength(EXTRA);
    for (const response of refused) {
      expect(response.status, JSON.stringify(response.body)).toBe(429);
      expect(response.contentType).toMatch(/^application\/json/);
      expect(response.body).toMatchObject({
        statusCode: 429,
        message: expect.stringMatching(/rate limit/),
      });
      expect(Number(response.retryAfter)).toBeGreaterThan(0);
      expect(Number(response.retryAfter)).toBeLessThanOrEqual(60);
    }

    // Another key's budget reads the log: exactly the accepted publishes were stored.
    const listed = await fetch(
      `${baseUrl}/events?type=parcel.burst&limit=100`,
      { headers: bearer(auditor) },
    );
    expect(listed.status).toBe(200);
    const stored = ((await listed.json()) as { events: { id: string }[] })
      .events;
    expect(stored.map((event) => event.id).sort()).toEqual(
      accepted.map((response) => response.id).sort(),
    );
  });
});

describe('rate limits per client address (no key configured)', () => {
  const directory = temporaryDirectory();
  afterAll(() => directory.cleanup());

  async function statuses(
    api: TestApp,
    forwardedFor: string[],
  ): Promise<number[]> {
    const result: number[] = [];
    for (const address of forwardedFor) {
      const response = await api.request({
        method: 'GET',
        url: '/events',
        headers: { 'x-forwarded-for': address },
      });
      result.push(response.statusCode);
    }
    return result;
  }

  it('takes the address from X-Forwarded-For only with server.trust_proxy', async () => {
    const trusting = await startTestApp(directory.path, {
      rate_limit: { limit: 2, ttl: '1m' },
      server: { trust_proxy: true },
    });
    try {
      expect(
        await statuses(trusting, [
          '10.1.0.1',
          '10.1.0.1',
          '10.1.0.1',
          '10.1.0.2',
        ]),
      ).toEqual([200, 200, 429, 200]);
    } finally {
      await trusting.close();
    }

    const direct = await startTestApp(directory.path, {
      rate_limit: { limit: 2, ttl: '1m' },
    });
    try {
      // The header is the client's own claim: every request comes from the one peer address.
      expect(
        await statuses(direct, ['10.1.0.1', '10.1.0.2', '10.1.0.3']),
      ).toEqual([200, 200, 429]);
    } finally {
      await direct.close();
    }
  });
});
