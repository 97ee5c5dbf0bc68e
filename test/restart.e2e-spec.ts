import { describe, expect, it } from 'vitest';
import {
  allEvents,
  getJson,
  published,
  registerUser,
  stats,
  waitForDelivery,
  type StatsBody,
} from './support/http.js';
import { useTestApp } from './support/test-app.js';

describe('restart on the same database file', () => {
  const api = useTestApp();

  const bySubscription = (body: StatsBody) =>
    Object.fromEntries(
      body.subscriptions.map(({ name, position, processed, failed }) => [
        name,
        { position, processed, failed },
      ]),
    );

  async function auditCount(): Promise<number> {
    let count = 0;
    let after: number | null = null;
    do {
      const body: { entries: unknown[]; next: number | null } = await getJson(
        api,
        `/audit?limit=1000${after === null ? '' : `&after=${after}`}`,
      );
      count += body.entries.length;
      after = body.next;
    } while (after !== null);
    return count;
  }

  async function expectEveryEffectExactlyOnce(users: number): Promise<void> {
    const events = await allEvents(api);
    const registrations = events.filter(
      (event) => event.type === 'user.registered',
    );
    expect(registrations).toHaveLength(users);

    const notifications = await getJson(api, '/notifications?limit=100');
    expect(notifications.total).toBe(users);
    expect(
      new Set(notifications.notifications.map((n: any) => n.event_id)),
    ).toEqual(new Set(registrations.map((event) => event.id)));

    const analytics = await getJson(api, '/analytics');
    expect(analytics.totals['user.registered']).toBe(users);
    expect(analytics.total).toBe(events.length);

    expect(await auditCount()).toBe(events.length);
  }

  it('keeps events, effects and counters, and handlers resume without re-processing', async () => {
    for (let i = 0; i < 3; i++)
      await registerUser(api, `before${i}@example.com`);
    await published(api, { type: 'misc.happened' });
    const beforeRestart = await waitForDelivery(api);
    await expectEveryEffectExactlyOnce(3);
    const eventsBefore = await allEvents(api);

    await api.restart();

    const afterRestart = await stats(api);
    expect(afterRestart.published).toBe(beforeRestart.published);
    expect(afterRestart.head).toBe(beforeRestart.head);
    expect(bySubscription(afterRestart)).toEqual(bySubscription(beforeRestart));
    expect(afterRestart.processed).toBe(beforeRestart.processed);
    expect(await allEvents(api)).toEqual(eventsBefore);
    await expectEveryEffectExactlyOnce(3);

    for (let i = 0; i < 2; i++)
      await registerUser(api, `after${i}@example.com`);
    const final = await waitForDelivery(api);
    await expectEveryEffectExactlyOnce(5);

    const welcome = final.subscriptions.find(
      (s) => s.name === 'notifications.welcome',
    );
    const auditLog = final.subscriptions.find((s) => s.name === 'audit.log');
    expect(welcome?.processed).toBe(5);
    expect(auditLog?.processed).toBe(final.published);
    expect(final.processed).toBe(beforeRestart.processed + 2 * 3);
  });

  it('delivers events committed just before a shutdown after the next start', async () => {
    await waitForDelivery(api);
    const users = (await getJson(api, '/users?limit=1')).total;
    await registerUser(api, 'late@example.com');
    await api.restart();

    await waitForDelivery(api);
    await expectEveryEffectExactlyOnce(users + 1);
  });

  it('keeps user rows and streams across restarts', async () => {
    const user = await registerUser(api, 'persist@example.com', 'Kept');
    await api.request({
      method: 'PATCH',
      url: `/users/${user.id}`,
      payload: { name: 'Kept Again' },
    });

    await api.restart();

    expect(await getJson(api, `/users/${user.id}`)).toMatchObject({
      name: 'Kept Again',
      version: 2,
    });
    const patched = await api.request({
      method: 'PATCH',
      url: `/users/${user.id}`,
      payload: { name: 'Third' },
    });
    expect(patched.json().version).toBe(3);
    const stream = await getJson(api, `/streams/user-${user.id}`);
    expect(stream.version).toBe(3);
  });
});
