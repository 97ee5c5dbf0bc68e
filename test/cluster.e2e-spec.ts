import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useChildApps, type ChildApp } from './support/child-app.js';
import { runLoad, type LoadResult } from './support/load.js';
import { httpJson, walkPages } from './support/real-http.js';
import {
  createTestDatabase,
  postgresAvailability,
} from './support/services.js';

const postgres = await postgresAvailability();
if (!postgres.available)
  console.warn(`PostgreSQL tests skipped: ${postgres.reason}`);

const TYPE = 'cluster.test';
const LEASE_TTL_MS = 3_000;
// Takeover bound: the dead lease expires (ttl), the next balancing tick (ttl / 3) takes it, and
// a still-free one is taken a tick later whatever the share; plus time to answer.
const TAKEOVER_BOUND_MS = LEASE_TTL_MS + 2 * (LEASE_TTL_MS / 3) + 2_000;
const CONCURRENCY_PER_INSTANCE = 6;
const MAX_REQUESTS_PER_INSTANCE = 3_000;

const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Stats {
  instance: string;
  head: number;
  subscriptions: {
    name: string;
    owner: string | null;
    lag: number;
    parked: number;
  }[];
}

async function stats(app: ChildApp): Promise<Stats> {
  const answer = await httpJson(app.baseUrl, 'GET', '/events/stats');
  expect(answer.status).toBe(200);
  return answer.body as Stats;
}

/** Polls `check` until it answers a value; fails after `timeoutMs` with the last stats seen. */
async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(100);
  }
  throw new Error(`${what}: not within ${timeoutMs}ms`, { cause: last });
}

describe.skipIf(!postgres.available)(
  `three instances on one PostgreSQL database${postgres.available ? '' : ` (skipped: ${postgres.reason})`}`,
  () => {
    const apps = useChildApps();
    let database: Awaited<ReturnType<typeof createTestDatabase>>;

    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database?.drop();
    });

    const start = (instance: string) =>
      apps.start({
        env: {
          EVENT__STORE__DRIVER: 'postgres',
          DATABASE__URL: database.url,
          EVENT__CLUSTER__INSTANCE_ID: instance,
          EVENT__CLUSTER__LEASE_TTL: `${LEASE_TTL_MS}ms`,
        },
      });

    it('spreads subscriptions, survives a SIGKILL under load with nothing lost or handled twice, and shares with a newcomer', async () => {
      // Started together: migrations take turns under their lock.
      const [a, b, c] = await Promise.all([start('a'), start('b'), start('c')]);

      const spread = await waitFor(
        'every subscription owned',
        15_000,
        async () => {
          const seen = await stats(a);
          const owners = seen.subscriptions.map((s) => s.owner);
          return owners.every((o) => o !== null) && new Set(owners).size === 3
            ? seen
            : undefined;
        },
      );
      // Every instance reports the same owners, read from the database.
      const ownersOf = (s: Stats) =>
        Object.fromEntries(s.subscriptions.map((x) => [x.name, x.owner]));
      expect(ownersOf(await stats(b))).toEqual(ownersOf(spread));
      const ofC = spread.subscriptions.filter((s) => s.owner === 'c');
      expect(ofC.length).toBeGreaterThan(0);

      // Load spread over the three; c is killed in the middle of it.
      let stopped = false;
      const loads = [a, b, c].map((app, index) =>
        runLoad(app.baseUrl, {
          concurrency: CONCURRENCY_PER_INSTANCE,
          prefix: `i${index}`,
          type: TYPE,
          stop: () => stopped,
          maxRequests: MAX_REQUESTS_PER_INSTANCE,
          maxDurationMs: 15_000,
          userEvery: 20,
        }),
      );
      await sleep(1_500);
      const exit = await c.kill('SIGKILL');
      expect(exit.signal).toBe('SIGKILL');
      await sleep(1_500);
      stopped = true;
      const results: LoadResult[] = await Promise.all(loads);
      const unexpected = results.flatMap((r) => r.unexpected);
      expect(unexpected, 'only 2xx, 503 or no answer').toEqual([]);
      const acknowledged = new Set(results.flatMap((r) => r.acknowledged));
      expect(acknowledged.size).toBeGreaterThan(0);

      // The dead instance's subscriptions move to the living ones within the bound.
      await waitFor(
        'c’s subscriptions taken over',
        TAKEOVER_BOUND_MS,
        async () => {
          const seen = await stats(a);
          return seen.subscriptions.every(
            (s) => s.owner === 'a' || s.owner === 'b',
          )
            ? seen
            : undefined;
        },
      );

      // Every acknowledged event stored once; every subscription catches up, nothing parked.
      const stored = (
        await walkPages<{ id: string }>(
          a.baseUrl,
          `/events?type=${TYPE}`,
          'events',
        )
      ).map((event) => event.id);
      const storedSet = new Set(stored);
      expect(stored.length, 'no event stored twice').toBe(storedSet.size);
      expect([...acknowledged].filter((id) => !storedSet.has(id))).toEqual([]);
      const caughtUp = await waitFor(
        'every subscription caught up',
        60_000,
        async () => {
          const seen = await stats(b);
          return seen.subscriptions.every((s) => s.lag === 0)
            ? seen
            : undefined;
        },
      );
      for (const subscription of caughtUp.subscriptions)
        expect(subscription.parked, subscription.name).toBe(0);

      // Transactional projections: effects exactly once per event, across the takeover.
      const analytics = await httpJson(
        a.baseUrl,
        'GET',
        `/analytics?type=${TYPE}`,
      );
      expect(analytics.status).toBe(200);
      expect(analytics.body.totals[TYPE]).toBe(stored.length);
      const audited = (
        await walkPages<{ event_id: string }>(
          b.baseUrl,
          `/audit?type=${TYPE}&order=asc`,
          'entries',
        )
      ).map((entry) => entry.event_id);
      expect(audited.length, 'audit entries').toBe(stored.length);
      expect(new Set(audited)).toEqual(storedSet);

      // An instance started later takes a share.
      await start('d');
      await waitFor('the newcomer takes a share', 30_000, async () => {
        const seen = await stats(a);
        return seen.subscriptions.some((s) => s.owner === 'd')
          ? seen
          : undefined;
      });
    }, 240_000);
  },
);
