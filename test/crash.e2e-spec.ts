import { describe, expect, it } from 'vitest';
import { useChildApps, type ChildApp } from './support/child-app.js';
import { runLoad } from './support/load.js';
import {
  httpJson,
  waitForCatchUp,
  walkOffsetPages,
  walkPages,
} from './support/real-http.js';
import { seededRandom } from './support/seeded-random.js';

const ROUNDS = 5;
const CONCURRENCY = 16;
const MAX_REQUESTS_PER_ROUND = 4_000;
const RESEND_LIMIT = 200;
const TYPE = 'crash.test';

const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('crash safety: SIGKILL under load', () => {
  const apps = useChildApps();

  it('keeps every acknowledged event and lets every subscription catch up exactly once', async () => {
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 2 ** 31);
    const random = seededRandom(seed);
    const context = (what: string) => `${what} (CRASH_SEED=${seed})`;

    const acknowledged = new Set<string>();
    const registered = new Set<string>();
    const unexpected: string[] = [];
    let unanswered: string[] = [];

    for (let round = 0; round < ROUNDS; round++) {
      const child: ChildApp = await apps.start();

      // A client that lost its answer sends the same id again: stored once, acknowledged now.
      for (const id of unanswered.slice(0, RESEND_LIMIT)) {
        const answer = await httpJson(child.baseUrl, 'POST', '/events', {
          id,
          type: TYPE,
          data: { resent: true },
        });
        if (answer.status === 200 || answer.status === 201)
          acknowledged.add(id);
        else if (answer.status !== 503)
          unexpected.push(`resend ${id}: ${answer.status}`);
      }

      let stopped = false;
      const load = runLoad(child.baseUrl, {
        concurrency: CONCURRENCY,
        prefix: `r${round}`,
        type: TYPE,
        stop: () => stopped,
        maxRequests: MAX_REQUESTS_PER_ROUND,
        maxDurationMs: 15_000,
        userEvery: 25,
      });
      await sleep(300 + Math.floor(random() * 1_700));
      const exit = await child.kill('SIGKILL');
      stopped = true;
      const result = await load;

      expect(exit.signal, context('killed by SIGKILL')).toBe('SIGKILL');
      result.acknowledged.forEach((id) => acknowledged.add(id));
      result.users.forEach((id) => registered.add(id));
      unexpected.push(...result.unexpected);
      unanswered = result.unanswered;
    }

    expect(unexpected, context('only 2xx, 503 or no answer')).toEqual([]);
    expect(acknowledged.size, context('events acknowledged')).toBeGreaterThan(
      0,
    );
    expect(registered.size, context('users registered')).toBeGreaterThan(0);

    const child = await apps.start();
    const stats = await waitForCatchUp(child.baseUrl);

    // Every acknowledged event is stored, once.
    const stored = (
      await walkPages<{ id: string }>(
        child.baseUrl,
        `/events?type=${TYPE}`,
        'events',
      )
    ).map((event) => event.id);
    const storedSet = new Set(stored);
    expect(stored.length, context('no event stored twice')).toBe(
      storedSet.size,
    );
    const lost = [...acknowledged].filter((id) => !storedSet.has(id));
    expect(lost, context('acknowledged events missing after crashes')).toEqual(
      [],
    );

    // Every subscription has handled the whole log; nothing failed.
    for (const subscription of stats.subscriptions) {
      expect(subscription.position, context(subscription.name)).toBe(
        stats.head,
      );
      expect(subscription.parked, context(`${subscription.name} parked`)).toBe(
        0,
      );
    }
    const names = stats.subscriptions.map((s: { name: string }) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'notifications.welcome',
        'analytics.counts',
        'audit.log',
      ]),
    );

    // Transactional projections: effects exactly once per event.
    const analytics = await httpJson(
      child.baseUrl,
      'GET',
      `/analytics?type=${TYPE}`,
    );
    expect(analytics.status).toBe(200);
    expect(analytics.body.totals[TYPE], context('analytics count')).toBe(
      stored.length,
    );
    const audited = (
      await walkPages<{ event_id: string }>(
        child.baseUrl,
        `/audit?type=${TYPE}&order=asc`,
        'entries',
      )
    ).map((entry) => entry.event_id);
    expect(audited.length, context('audit entries')).toBe(stored.length);
    expect(new Set(audited), context('audited events')).toEqual(storedSet);

    // Users: the row and its user.registered event commit together; one welcome each.
    const users = await walkOffsetPages<{ id: string }>(
      child.baseUrl,
      '/users',
      'users',
    );
    const userIds = new Set(users.map((user) => user.id));
    const missingUsers = [...registered].filter((id) => !userIds.has(id));
    expect(missingUsers, context('acknowledged users missing')).toEqual([]);
    const registrations = await walkPages<{ data: { userId: string } }>(
      child.baseUrl,
      '/events?type=user.registered',
      'events',
    );
    expect(
      registrations.map((event) => event.data.userId).sort(),
      context('one user.registered per user'),
    ).toEqual([...userIds].sort());
    const welcomes = await walkOffsetPages<{ user_id: string }>(
      child.baseUrl,
      '/notifications',
      'notifications',
    );
    const welcomesPerUser = new Map<string, number>();
    for (const notification of welcomes)
      welcomesPerUser.set(
        notification.user_id,
        (welcomesPerUser.get(notification.user_id) ?? 0) + 1,
      );
    const notWelcomedOnce = [...userIds].filter(
      (id) => welcomesPerUser.get(id) !== 1,
    );
    expect(
      notWelcomedOnce,
      context('users without exactly one welcome'),
    ).toEqual([]);
    expect(welcomes.length, context('welcome messages')).toBe(userIds.size);

    const exit = await child.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
  }, 150_000);
});
