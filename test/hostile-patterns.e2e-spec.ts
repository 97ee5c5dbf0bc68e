import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useChildApps, type ChildApp } from './support/child-app.js';
import { httpJson, type HttpResult } from './support/real-http.js';

/**
 * The costliest pattern the limits allow (32 segments) against 60-segment types: a
 * backtracking regex tries every way to split 60 segments into 31 groups before failing.
 * The app runs as a child process, so a stalled event loop fails these tests (each request has
 * a timeout) instead of stalling the test runner with it.
 */
const WORST = `${'**.'.repeat(31)}z`;
const MISS = Array.from({ length: 60 }, () => 'a').join('.');
const HIT = [...Array.from({ length: 59 }, () => 'a'), 'z'].join('.');

/** Polls `check` at most `attempts` times, 100 ms apart. */
async function poll<T>(
  check: () => Promise<T | undefined>,
  what: string,
  attempts = 100,
): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A webhook receiver on 127.0.0.1 that records the ids of the events it is sent. */
function startReceiver(): Promise<{
  server: Server;
  url: string;
  ids: string[];
}> {
  const ids: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      ids.push(
        (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string })
          .id,
      );
      response.statusCode = 204;
      response.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/hook`, ids });
    });
  });
}

describe('the worst pattern cannot stall the process', () => {
  const apps = useChildApps();
  let child: ChildApp | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  let hit: { id: string; position: number };
  let miss: { id: string; position: number };

  const request = (method: string, path: string, body?: unknown) =>
    httpJson((child as ChildApp).baseUrl, method, path, body);

  /** Sends `work`, asks /health/live while it runs, and answers the work's result. */
  async function whileLiveAnswers(
    work: () => Promise<HttpResult>,
  ): Promise<HttpResult> {
    const [result, live] = await Promise.all([
      work(),
      request('GET', '/health/live'),
    ]);
    expect(live.status).toBe(200);
    expect((await request('GET', '/health/live')).status).toBe(200);
    return result;
  }

  beforeAll(async () => {
    const config = join(apps.directory, 'config.yaml');
    writeFileSync(config, 'webhooks:\n  allowed_hosts: [127.0.0.1]\n');
    child = await apps.start({ env: { CONFIG_FILE: config } });
    const published: HttpResult[] = [];
    for (const type of [MISS, HIT])
      published.push(await request('POST', '/events', { type }));
    expect(published.map((answer) => answer.status)).toEqual([201, 201]);
    [miss, hit] = published.map((answer) => answer.body);
  }, 180_000);

  afterAll(async () => {
    const server = receiver?.server;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('GET /events?type=<worst> answers the one matching event', async () => {
    const answer = await whileLiveAnswers(() =>
      request('GET', `/events?type=${WORST}`),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.events.map((event: { id: string }) => event.id)).toEqual(
      [hit.id],
    );
    expect(answer.body.next).toBeNull();
  });

  it('a replay dry run and a replay with types [<worst>] select the one matching event', async () => {
    const dryRun = await whileLiveAnswers(() =>
      request('POST', '/events/replay', {
        subscription: 'audit.log',
        types: [WORST],
        dry_run: true,
      }),
    );
    expect(dryRun.status).toBe(200);
    expect(dryRun.body).toMatchObject({ total: 1, types: { [HIT]: 1 } });

    const started = await whileLiveAnswers(() =>
      request('POST', '/events/replay', {
        subscription: 'audit.log',
        types: [WORST],
      }),
    );
    expect(started.status).toBe(202);
    const finished = await poll(async () => {
      const job = await request('GET', `/events/replay/${started.body.id}`);
      return job.body.state === 'running' ? undefined : job.body;
    }, 'the replay to finish');
    expect(finished).toMatchObject({
      state: 'completed',
      progress: { done: 1, total: 1, failed: 0 },
    });
  });

  it('a webhook with pattern <worst> receives the matching event and skips the other', async () => {
    receiver = await startReceiver();
    const created = await whileLiveAnswers(() =>
      request('POST', '/subscriptions', {
        name: 'worst',
        pattern: WORST,
        url: receiver?.url,
        start_from: 'beginning',
      }),
    );
    expect(created.status).toBe(201);
    await poll(async () => {
      const webhook = await request('GET', '/subscriptions/worst');
      return webhook.body.status?.position >=
        Math.max(hit.position, miss.position)
        ? true
        : undefined;
    }, 'the webhook subscription to pass both events');
    expect((await request('GET', '/health/live')).status).toBe(200);
    expect(receiver.ids).toEqual([hit.id]);
  });
});
