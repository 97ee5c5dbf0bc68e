import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useChildApps } from './support/child-app.js';
import type { ExitStatus } from './support/child-process.js';
import { runLoad, type LoadResult } from './support/load.js';
import { httpJson, waitForCatchUp, walkPages } from './support/real-http.js';
import { Probe, probeModule } from './support/probe.js';
import { eventually, usePerTestApp, type TestApp } from './support/test-app.js';

const TYPE = 'shutdown.test';

const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('graceful shutdown of the process on SIGTERM', () => {
  const apps = useChildApps();
  const databasePath = apps.databasePath;
  let exit: ExitStatus;
  let load: LoadResult;
  let output: string;
  /** Checkpoints in the database file right after the process exited. */
  let savedCheckpoints: Map<string, number>;
  let headAtExit: number;
  let baseUrl: string;
  let stats: any;

  beforeAll(async () => {
    const child = await apps.start();
    let stopped = false;
    const running = runLoad(child.baseUrl, {
      concurrency: 16,
      prefix: 'term',
      type: TYPE,
      stop: () => stopped,
      maxRequests: 20_000,
      maxDurationMs: 30_000,
      userEvery: 20,
    });
    await sleep(800);
    // Requests keep arriving while the process drains and exits.
    exit = await child.kill('SIGTERM', 30_000);
    stopped = true;
    load = await running;
    output = child.output();

    const db = new Database(databasePath, { readonly: true });
    try {
      const rows = db
        .prepare('SELECT name, position FROM event_subscriptions')
        .all() as { name: string; position: number }[];
      savedCheckpoints = new Map(rows.map((row) => [row.name, row.position]));
      headAtExit = (
        db.prepare('SELECT MAX(position) AS head FROM events').get() as {
          head: number;
        }
      ).head;
    } finally {
      db.close();
    }

    const restarted = await apps.start();
    baseUrl = restarted.baseUrl;
    stats = await waitForCatchUp(baseUrl);
  }, 180_000);

  it('exits with code 0 after draining', () => {
    expect(exit, output).toEqual({ code: 0, signal: null });
  });

  it('answers requests during the shutdown with 2xx or 503, never anything else', () => {
    expect(load.unexpected).toEqual([]);
    expect(load.acknowledged.length).toBeGreaterThan(0);
    for (const refusal of load.refusals) {
      expect(refusal.body).toMatchObject({ statusCode: 503 });
    }
  });

  it('stores every event it acknowledged, and none it refused', async () => {
    const stored = (
      await walkPages<{ id: string }>(baseUrl, `/events?type=${TYPE}`, 'events')
    ).map((event) => event.id);
    const storedSet = new Set(stored);
    expect(stored.length).toBe(storedSet.size);
    expect(load.acknowledged.filter((id) => !storedSet.has(id))).toEqual([]);
    expect(load.refused.filter((id) => storedSet.has(id))).toEqual([]);
    expect(stored.length).toBeLessThanOrEqual(headAtExit);
  });

  it('saved the checkpoints on the way out, and the subscriptions continue from them', async () => {
    for (const name of [
      'notifications.welcome',
      'analytics.counts',
      'audit.log',
    ])
      expect(savedCheckpoints.get(name), name).toBeGreaterThan(0);
    for (const position of savedCheckpoints.values())
      expect(position).toBeLessThanOrEqual(headAtExit);

    for (const subscription of stats.subscriptions) {
      expect(subscription.position, subscription.name).toBe(stats.head);
      // A re-delivered audit entry or welcome would violate a unique key and fail.
      expect(subscription.failed, subscription.name).toBe(0);
      expect(subscription.parked, subscription.name).toBe(0);
    }

    const stored = await walkPages<{ id: string }>(
      baseUrl,
      `/events?type=${TYPE}`,
      'events',
    );
    const audited = (
      await walkPages<{ event_id: string }>(
        baseUrl,
        `/audit?type=${TYPE}&order=asc`,
        'entries',
      )
    ).map((entry) => entry.event_id);
    expect(audited.length).toBe(stored.length);
    expect(new Set(audited)).toEqual(new Set(stored.map((event) => event.id)));
    const analytics = await httpJson(baseUrl, 'GET', `/analytics?type=${TYPE}`);
    expect(analytics.body.totals[TYPE] ?? 0).toBe(stored.length);

    const welcomes = await httpJson(baseUrl, 'GET', '/notifications?limit=100');
    const users = await httpJson(baseUrl, 'GET', '/users?limit=100');
    expect(welcomes.body.total).toBe(users.body.total);
    const userIds = new Set(
      users.body.users.map((user: { id: string }) => user.id),
    );
    for (const id of load.users) expect(userIds.has(id), id).toBe(true);
  });
});

describe('readiness during the shutdown delay', () => {
  const apps = useChildApps();

  it('fails /health/ready as soon as SIGTERM arrives while the listener keeps serving, then exits 0', async () => {
    const child = await apps.start({
      env: { SERVER__SHUTDOWN_DELAY: '3s' },
    });
    const before = await httpJson(child.baseUrl, 'GET', '/health/ready');
    expect(before.status).toBe(200);
    expect(before.body.details.shutdown).toEqual({
      status: 'up',
      shuttingDown: false,
    });

    const exited = child.kill('SIGTERM', 30_000);
    const refused = await eventually(
      async () => {
        const ready = await httpJson(child.baseUrl, 'GET', '/health/ready');
        return ready.status === 503 ? ready : undefined;
      },
      { what: '/health/ready to fail after SIGTERM' },
    );
    expect(refused.body.details.shutdown).toMatchObject({
      status: 'down',
      shuttingDown: true,
    });
    // Still listening: requests in the delay are served, not refused.
    const live = await httpJson(child.baseUrl, 'GET', '/health/live');
    expect(live.status).toBe(200);
    const published = await httpJson(child.baseUrl, 'POST', '/events', {
      type: 'shutdown.delay',
      data: {},
    });
    expect(published.status).toBe(201);

    expect(await exited, child.output()).toEqual({ code: 0, signal: null });
  });
});

describe('the throwaway database of event.store.enabled=false', () => {
  const apps = useChildApps();

  it('is removed when the process exits on SIGTERM', async () => {
    const tmp = join(apps.directory, 'tmp');
    mkdirSync(tmp);
    const child = await apps.start({
      databasePath: join(apps.directory, 'unused.db'),
      env: { EVENT__STORE__ENABLED: 'false', TMPDIR: tmp },
    });
    const published = await httpJson(child.baseUrl, 'POST', '/events', {
      type: 'throwaway.test',
    });
    expect(published.status).toBe(201);
    expect(readdirSync(tmp).length).toBeGreaterThan(0);

    const exit = await child.kill('SIGTERM');
    expect(exit, child.output()).toEqual({ code: 0, signal: null });
    expect(readdirSync(tmp)).toEqual([]);
  }, 60_000);
});

describe('graceful shutdown in process (app.close)', () => {
  const probe = new Probe();
  const apps = usePerTestApp();
  let api: TestApp | undefined;

  async function boot(handlers: Record<string, unknown>) {
    api = await apps.boot(
      { event: { handlers } },
      { imports: [probeModule(probe)] },
    );
    return api;
  }

  afterEach(() => {
    probe.reset();
    api = undefined;
  });

  async function publish(id: string, type: string) {
    const response = await (api as TestApp).request({
      method: 'POST',
      url: '/events',
      payload: { id, type },
    });
    expect(response.statusCode, response.body).toBe(201);
  }

  it('lets a running handler finish within shutdown_grace and does not deliver its event again', async () => {
    await boot({ shutdown_grace: 5_000 });
    let finished = false;
    probe.steady.behaviour = async (event) => {
      if (event.id !== 'slow') return;
      await sleep(400);
      finished = true;
    };

    await publish('slow', 'probe.slow');
    await eventually(() => probe.steady.callsFor('slow').length === 1, {
      what: 'the slow handler running',
    });
    await (api as TestApp).restart();
    expect(finished).toBe(true);
    expect(probe.steady.callsFor('slow')[0].outcome).toBe('ok');

    await publish('after-restart', 'probe.slow');
    await eventually(() => probe.steady.delivered().includes('after-restart'), {
      what: 'delivery after the restart',
    });
    expect(probe.steady.callsFor('slow')).toHaveLength(1);
    expect(probe.steady.delivered()).toEqual(['slow', 'after-restart']);
  });

  it('refuses publishes that arrive while it shuts down with 503, and stores none of them', async () => {
    await boot({ shutdown_grace: 5_000 });
    probe.steady.behaviour = (event) =>
      event.id === 'keeps-it-busy' ? sleep(500) : undefined;
    await publish('keeps-it-busy', 'probe.slow');
    await eventually(
      () => probe.steady.callsFor('keeps-it-busy').length === 1,
      { what: 'the slow handler running' },
    );

    const closing = (api as TestApp).close();
    const late = await (api as TestApp).request({
      method: 'POST',
      url: '/events',
      payload: { id: 'too-late', type: 'probe.slow' },
    });
    await closing;
    expect(late.statusCode).toBe(503);
    expect(late.json()).toMatchObject({ statusCode: 503 });

    api = await apps.boot({}, { imports: [probeModule(probe)] });
    const lookup = await api.request({
      method: 'GET',
      url: '/events/too-late',
    });
    expect(lookup.statusCode).toBe(404);
    expect(probe.steady.callsFor('keeps-it-busy')[0].outcome).toBe('ok');
  });

  it('delivers again after a restart an event whose handler outlasted shutdown_grace', async () => {
    await boot({ shutdown_grace: 100 });
    let deliveries = 0;
    // The first delivery runs until the test lets it go, however long the restart takes.
    probe.steady.behaviour = (event) =>
      event.id === 'too-slow' && deliveries++ === 0
        ? probe.steady.hangForever()
        : undefined;

    await publish('too-slow', 'probe.slow');
    await eventually(() => probe.steady.callsFor('too-slow').length === 1, {
      what: 'the slow handler running',
    });
    await (api as TestApp).restart();
    const [first] = probe.steady.callsFor('too-slow');
    expect(first.outcome).toBe('running');

    const second = await eventually(
      () => {
        const call = probe.steady.callsFor('too-slow')[1];
        return call?.outcome === 'ok' && call;
      },
      { timeoutMs: 5_000, what: 'the event delivered again' },
    );
    expect(second.attempt).toBe(1);
    expect(probe.steady.callsFor('too-slow')).toHaveLength(2);
    probe.steady.releaseAll();
  });

  it('does not wait out a pending retry delay on shutdown, and retries the event after restart', async () => {
    await boot({
      retry_count: 3,
      retry_delay: 60_000,
      retry_max_delay: 60_000,
      shutdown_grace: 60_000,
    });
    let failures = 0;
    probe.flaky.behaviour = () => {
      if (failures++ === 0) throw new Error('first delivery fails');
    };

    await publish('waiting', 'probe.flaky');
    await eventually(
      async () =>
        (
          await (api as TestApp).request({
            method: 'GET',
            url: '/events/waiting/status',
          })
        )
          .json()
          .subscriptions.find((s: any) => s.subscription === 'probe.flaky')
          ?.status === 'retrying',
      { what: 'the event waiting for its retry' },
    );
    // Neither the 60 s retry delay nor the 60 s grace is waited out (the test would time out).
    await (api as TestApp).restart();
    await eventually(() => probe.flaky.delivered().includes('waiting'), {
      what: 'the event delivered after the restart',
    });
    const attempts = probe.flaky.callsFor('waiting');
    expect(attempts.map((c) => c.outcome)).toEqual(['error', 'ok']);
  });
});
