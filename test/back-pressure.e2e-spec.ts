import { describe, expect, it } from 'vitest';
import { GroupCommitWriter } from '../src/events/bus/writer/group-commit-writer.js';
import { EventBus } from '../src/events/index.js';
import { eventually, useTestApp } from './support/test-app.js';

const BUFFER_SIZE = 20;
const FLOOD_REQUESTS = 2_000;
const WAVE_SIZE = 250;
const FLOOD_DEADLINE_MS = 30_000;
const RSS_GROWTH_LIMIT = 200 * 1024 * 1024;
const CLOUDEVENTS_BATCH = 'application/cloudevents-batch+json';

function cloudEvent(id: string, type: string) {
  return { specversion: '1.0', id, source: '/back-pressure', type, data: {} };
}

describe('back-pressure at event.bus.buffer_size', () => {
  const api = useTestApp({
    event: { bus: { buffer_size: BUFFER_SIZE } },
  });

  /** Every stored event of `type`, walking the keyset pages of GET /events. */
  async function storedIds(type: string): Promise<string[]> {
    const ids: string[] = [];
    let after: number | null = 0;
    for (let page = 0; after !== null && page < 1_000; page++) {
      const response = await api.request({
        method: 'GET',
        url: `/events?type=${type}&limit=1000&after=${after}`,
      });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      ids.push(...body.events.map((event: { id: string }) => event.id));
      after = body.next;
    }
    expect(after, 'GET /events pages ended').toBeNull();
    return ids;
  }

  async function auditedIds(type: string): Promise<string[]> {
    const ids: string[] = [];
    let after: number | null = 0;
    for (let page = 0; after !== null && page < 1_000; page++) {
      const response = await api.request({
        method: 'GET',
        url: `/audit?type=${type}&limit=1000&order=asc&after=${after}`,
      });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      ids.push(
        ...body.entries.map((entry: { event_id: string }) => entry.event_id),
      );
      after = body.next;
    }
    return ids;
  }

  it('answers 503 with Retry-After beyond the buffer, and stores exactly the events it acknowledged', async () => {
    const accepted: string[] = [];
    const refused: string[] = [];
    const other: string[] = [];
    let peakRss = process.memoryUsage().rss;
    const baselineRss = peakRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 10);
    let refusal: { headers: Record<string, unknown>; body: any } | undefined;
    const deadline = Date.now() + FLOOD_DEADLINE_MS;

    try {
      for (
        let sent = 0;
        sent < FLOOD_REQUESTS && Date.now() < deadline;
        sent += WAVE_SIZE
      ) {
        const wave = Array.from(
          { length: Math.min(WAVE_SIZE, FLOOD_REQUESTS - sent) },
          (_, i) => `flood-${sent + i}`,
        );
        const responses = await Promise.all(
          wave.map((id) =>
            api.request({
              method: 'POST',
              url: '/events',
              payload: {
                id,
                type: 'flood.test',
                data: { id, pad: 'x'.repeat(200) },
              },
            }),
          ),
        );
        responses.forEach((response, i) => {
          if (response.statusCode === 201) accepted.push(wave[i]);
          else if (response.statusCode === 503) {
            refused.push(wave[i]);
            refusal ??= { headers: response.headers, body: response.json() };
          } else
            other.push(`${wave[i]}: ${response.statusCode} ${response.body}`);
        });
      }
    } finally {
      clearInterval(sampler);
    }
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    expect(other).toEqual([]);
    expect(accepted.length + refused.length).toBe(FLOOD_REQUESTS);
    expect(refused.length, 'some requests refused').toBeGreaterThan(0);
    expect(accepted.length, 'some requests accepted').toBeGreaterThan(0);
    expect(refusal?.headers['retry-after']).toMatch(/^\d+$/);
    expect(Number(refusal?.headers['retry-after'])).toBeGreaterThan(0);
    expect(String(refusal?.headers['content-type'])).toContain(
      'application/json',
    );
    expect(refusal?.body).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
    });
    expect(typeof refusal?.body.message).toBe('string');

    const stored = await storedIds('flood.test');
    expect(stored.length).toBe(new Set(stored).size);
    expect(new Set(stored)).toEqual(new Set(accepted));
    expect(refused.filter((id) => stored.includes(id))).toEqual([]);

    expect(peakRss - baselineRss).toBeLessThan(RSS_GROWTH_LIMIT);

    // The handlers see every accepted event once (audit commits with its checkpoint).
    await eventually(
      async () => {
        const stats = (
          await api.request({ method: 'GET', url: '/events/stats' })
        ).json();
        return stats.subscriptions.every((s: { lag: number }) => s.lag === 0);
      },
      { timeoutMs: 20_000, what: 'subscriptions catching up' },
    );
    const audited = await auditedIds('flood.test');
    expect(audited.length).toBe(new Set(audited).size);
    expect(new Set(audited)).toEqual(new Set(accepted));
    const analytics = (
      await api.request({ method: 'GET', url: '/analytics?type=flood.test' })
    ).json();
    expect(analytics.totals['flood.test']).toBe(accepted.length);
  });

  it('a refused request can be sent again with the same id and is then stored once', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `resend-${i}`);
    const pending = new Set(ids);
    const deadline = Date.now() + 20_000;
    for (
      let round = 0;
      pending.size > 0 && round < 50 && Date.now() < deadline;
      round++
    ) {
      const batch = [...pending];
      const responses = await Promise.all(
        batch.map((id) =>
          api.request({
            method: 'POST',
            url: '/events',
            payload: { id, type: 'resend.test', data: { id } },
          }),
        ),
      );
      responses.forEach((response, i) => {
        expect([200, 201, 503]).toContain(response.statusCode);
        if (response.statusCode !== 503) pending.delete(batch[i]);
      });
      if (pending.size > 0)
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect([...pending]).toEqual([]);
    const stored = await storedIds('resend.test');
    expect(stored.length).toBe(ids.length);
    expect(new Set(stored)).toEqual(new Set(ids));
  });

  it('makes in-process publishers wait for room instead of failing, and stores every event', async () => {
    const bus = api.app.get(EventBus);
    const callers = BUFFER_SIZE * 15;
    const results = await Promise.allSettled(
      Array.from({ length: callers }, (_, i) =>
        bus.publish({ id: `inproc-${i}`, type: 'inproc.test', data: { i } }),
      ),
    );
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(
      rejected.map((r) => String((r as PromiseRejectedResult).reason)),
    ).toEqual([]);
    const positions = results.map(
      (r) => (r as PromiseFulfilledResult<{ position: number }>).value.position,
    );
    expect(new Set(positions).size).toBe(callers);

    const stored = await storedIds('inproc.test');
    expect(stored.length).toBe(callers);
    expect(new Set(stored)).toEqual(
      new Set(Array.from({ length: callers }, (_, i) => `inproc-${i}`)),
    );
  });

  it('refuses a batch larger than event.bus.max_batch whole, in process and over HTTP (413)', async () => {
    const bus = api.app.get(EventBus);
    const batch = Array.from({ length: BUFFER_SIZE + 1 }, (_, i) => ({
      id: `big-${i}`,
      type: 'big.batch',
      data: { i },
    }));
    await expect(bus.publish(batch)).rejects.toThrow(/max_batch/);

    const response = await api.request({
      method: 'POST',
      url: '/events',
      payload: batch.map((event) => cloudEvent(event.id, 'big.http')),
      headers: { 'content-type': CLOUDEVENTS_BATCH },
    });
    expect(response.statusCode, response.body).toBe(413);
    expect(response.json()).toMatchObject({ limit: BUFFER_SIZE });
    expect(await storedIds('big.batch')).toEqual([]);
    expect(await storedIds('big.http')).toEqual([]);
  });

  it('counts every event of a CloudEvents batch against the buffer: a batch that does not fit gets 503 and stores nothing', async () => {
    const writer = api.app.get(GroupCommitWriter);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // One unit holds the writer, so one place of the buffer is taken.
    const holding = writer.runUnit(() => gate, { timeoutMs: null });
    try {
      const batch = Array.from({ length: BUFFER_SIZE }, (_, i) =>
        cloudEvent(`fits-not-${i}`, 'batch.full'),
      );
      const response = await api.request({
        method: 'POST',
        url: '/events',
        payload: batch,
        headers: { 'content-type': CLOUDEVENTS_BATCH },
      });
      expect(response.statusCode, response.body).toBe(503);
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      release();
      await holding;
    }
    expect(await storedIds('batch.full')).toEqual([]);

    // A batch as large as the buffer fits once nothing else waits in it. The subscriptions'
    // checkpoint saves go through the same writer and may take a place for a moment, so a 503
    // (which stores nothing) is retried, as its Retry-After says.
    const batch = Array.from({ length: BUFFER_SIZE }, (_, i) =>
      cloudEvent(`fits-${i}`, 'batch.full'),
    );
    const storedAfterRefusals: number[] = [];
    const accepted = await eventually(
      async () => {
        const answer = await api.request({
          method: 'POST',
          url: '/events',
          payload: batch,
          headers: { 'content-type': CLOUDEVENTS_BATCH },
        });
        if (answer.statusCode === 503) {
          storedAfterRefusals.push((await storedIds('batch.full')).length);
          return undefined;
        }
        return answer;
      },
      { timeoutMs: 10_000, what: 'room for a batch of buffer_size events' },
    );
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect(storedAfterRefusals.every((stored) => stored === 0)).toBe(true);
    expect(await storedIds('batch.full')).toHaveLength(BUFFER_SIZE);
  });

  it('refuses in-process publishers that ask not to wait with a 503-mapped error when the buffer is full', async () => {
    const bus = api.app.get(EventBus);
    const results = await Promise.allSettled(
      Array.from({ length: BUFFER_SIZE * 10 }, (_, i) =>
        bus.publish(
          { id: `reject-${i}`, type: 'reject.test' },
          { whenFull: 'reject' },
        ),
      ),
    );
    const rejected = results.filter(
      (r): r is PromiseRejectedResult => r.status === 'rejected',
    );
    expect(rejected.length).toBeGreaterThan(0);
    for (const { reason } of rejected) {
      expect((reason as Error).message).toContain('buffer');
      expect(
        (reason as { retryAfterSeconds?: number }).retryAfterSeconds,
      ).toBeGreaterThan(0);
    }
    const fulfilled = results.length - rejected.length;
    expect((await storedIds('reject.test')).length).toBe(fulfilled);
  });

  it('answers 503 to domain writes over HTTP too (POST /users), and every 201 user exists with its event', async () => {
    const responses = await Promise.all(
      Array.from({ length: BUFFER_SIZE * 15 }, (_, i) =>
        api.request({
          method: 'POST',
          url: '/users',
          payload: { email: `flood-${i}@example.com`, name: `Flood ${i}` },
        }),
      ),
    );
    const statuses = new Set(responses.map((response) => response.statusCode));
    expect([...statuses].sort()).toEqual([201, 503]);
    const refusal = responses.find((response) => response.statusCode === 503);
    expect(refusal?.headers['retry-after']).toBeDefined();

    const created = responses.filter((response) => response.statusCode === 201);
    const users = (
      await api.request({ method: 'GET', url: '/users?limit=100&offset=0' })
    ).json();
    expect(users.total).toBe(created.length);
    expect((await storedIds('user.registered')).length).toBe(created.length);
  });
});
