import { afterAll, describe, expect, it } from 'vitest';
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
