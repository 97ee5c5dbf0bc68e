import { rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, published, stats } from './support/http.js';
import { ProbeGate, ProbeModule } from './support/probe.module.js';
import { eventually, useTestApp } from './support/test-app.js';

const MAX_LAG = 3;
const TICKS = 20;
const WEBHOOK = 'webhook.lagging';

/** A port on 127.0.0.1 that nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('readiness', () => {
  const api = useTestApp(
    {
      health: { max_lag: MAX_LAG },
      webhooks: { allowed_hosts: ['127.0.0.1'] },
      // A failed delivery waits a minute for its retry: the webhook stays behind meanwhile.
      event: { handlers: { retry_delay: '1m', retry_max_delay: '1m' } },
    },
    { imports: [ProbeModule] },
  );

  beforeAll(async () => {
    for (let tick = 0; tick < TICKS; tick++) {
      await published(api, { type: 'lag.tick', data: { tick } });
    }
    const created = await api.request({
      method: 'POST',
      url: '/subscriptions',
      payload: {
        name: 'lagging',
        pattern: 'lag.*',
        url: `http://127.0.0.1:${await closedPort()}/hook`,
        start_from: 'beginning',
      },
    });
    expect(created.statusCode, created.body).toBe(201);
  });
  afterAll(() => ProbeGate.release());

  /** Waits until every subscription but the webhook has handled the whole log. */
  async function ownHandlersCaughtUp(): Promise<void> {
    await eventually(
      async () => {
        const current = await stats(api);
        return current.subscriptions
          .filter((subscription) => subscription.name !== WEBHOOK)
          .every((subscription) => subscription.lag === 0);
      },
      { what: "the application's own handlers to catch up" },
    );
  }

  it('stays ready while a webhook lags behind its unreachable receiver, and reports the lag', async () => {
    await eventually(
      async () => {
        const webhook = (await stats(api)).subscriptions.find(
          (subscription) => subscription.name === WEBHOOK,
        );
        return (webhook?.failed ?? 0) >= 1;
      },
      { what: 'a failed delivery to the closed port' },
    );
    await ownHandlersCaughtUp();

    const ready = await api.request({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode, ready.body).toBe(200);

    const health = await getJson(api, '/health');
    expect(health.status).toBe('ok');
    expect(health.details.subscriptions).toMatchObject({
      status: 'up',
      max_lag: MAX_LAG,
      behind: [WEBHOOK],
      blocking_readiness: [],
    });
    expect(health.details.subscriptions.lag[WEBHOOK]).toBeGreaterThan(MAX_LAG);

    const subscriptions = (await stats(api)).subscriptions;
    expect(subscriptions.find((s) => s.name === WEBHOOK)).toMatchObject({
      behind: true,
      fail_readiness_on_lag: false,
    });
    expect(subscriptions.find((s) => s.name === 'audit.log')).toMatchObject({
      behind: false,
      fail_readiness_on_lag: true,
    });
  });

  it('is not ready while one of its own handlers lags, and ready again once it catches up', async () => {
    ProbeGate.close();
    await published(api, { type: 'probe.hold' });
    for (let tick = 0; tick <= MAX_LAG; tick++) {
      await published(api, { type: 'other.tick', data: { tick } });
    }

    const notReady = await eventually<any>(
      async () => {
        const response = await api.request({
          method: 'GET',
          url: '/health/ready',
        });
        if (response.statusCode !== 503) return undefined;
        // A probe that is down says when to ask again, like every other 503.
        expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
        return response.json();
      },
      { what: '/health/ready to answer 503' },
    );
    expect(notReady.details.subscriptions).toMatchObject({
      status: 'down',
      blocking_readiness: ['probe.hold'],
    });
    expect(notReady.details.subscriptions.behind).toEqual(
      expect.arrayContaining(['probe.hold', WEBHOOK]),
    );

    ProbeGate.release();
    await ownHandlersCaughtUp();
    const ready = await api.request({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode, ready.body).toBe(200);
  });
});

describe('health of a vanished data directory', () => {
  const api = useTestApp();

  it('answers 503 with the disk down, naming no path of the server', async () => {
    rmSync(api.directory, { recursive: true, force: true });

    const response = await api.request({ method: 'GET', url: '/health' });

    expect(response.statusCode, response.body).toBe(503);
    expect(response.json().details.disk).toMatchObject({ status: 'down' });
    expect(response.body).not.toContain(api.directory);
  });
});
