import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractBreach } from './support/fuzz-contract.js';
import { Known, type ResolvedRequest } from './support/fuzz-known.js';
import { Ledger } from './support/fuzz-ledger.js';
import { requestPlan, type RequestPlan } from './support/fuzz-requests.js';
import {
  fuzzRoutes,
  routeRecorderModule,
  type FuzzRoute,
  type RecordedRoute,
} from './support/fuzz-routes.js';
import type { CloudEvent } from './support/http.js';
import {
  eventually,
  startTestApp,
  temporaryDirectory,
  type TestApp,
  type TestResponse,
} from './support/test-app.js';
import { eventIdOf, Receiver } from './support/webhook-receiver.js';

/**
 * Property-based fuzzing of every route the application serves, with generated valid and
 * hostile paths, query strings, headers and bodies. Seeded: a failure prints the command that
 * generates the same requests again. Bounded: MAX_REQUESTS generated requests (setup, probes
 * and the final census add a few hundred more, under 10,000) within FUZZ_TIME_MS.
 *
 * FUZZ_SEED=n replays a run; FUZZ_LOG=error shows the application's log (a 500's stack);
 * FUZZ_REPORT=1 prints how each route answered.
 */
const SEED =
  process.env.FUZZ_SEED !== undefined
    ? Number(process.env.FUZZ_SEED)
    : Date.now() % 2 ** 31;
const REPLAY = `FUZZ_SEED=${SEED} npx vitest run test/fuzz.e2e-spec.ts`;
const BATCH_SIZE = 40;
const MAX_REQUESTS = 8_800;
/**
 * No batch starts after this. With the setup (20 s at most) and the census (20 s) the file
 * stays within two minutes even on a machine too slow to send MAX_REQUESTS in time.
 */
const FUZZ_TIME_MS = 60_000;
/** Requests of a batch in flight at once: overlapping writes reach the group-commit writer. */
const CONCURRENCY = 4;
/** An answer slower than this is a hang, not a slow answer (they take milliseconds). */
const HANG_MS = 10_000;

const PROJECT_DIRECTORY = fileURLToPath(new URL('..', import.meta.url)).replace(
  /\/$/,
  '',
);

/** Small limits, so that oversized bodies and batches are cheap to generate. */
const CONFIG = {
  log: { level: process.env.FUZZ_LOG ?? 'silent' },
  server: { body_limit: 256 * 1024 },
  event: {
    bus: { buffer_size: 150, max_batch: 100 },
    handlers: {
      retry_delay: '10ms',
      retry_max_delay: '50ms',
      shutdown_grace: '1s',
    },
  },
  webhooks: {
    allowed_hosts: ['127.0.0.1'],
    timeout: 1_000,
    max_subscriptions: 5,
  },
};

class FuzzFailure extends Error {}

describe(`fuzz: every route with generated input (seed ${SEED})`, () => {
  const directory = temporaryDirectory();
  const receiver = new Receiver();
  const recorded: RecordedRoute[] = [];
  const ledger = new Ledger();
  const serverPaths = [PROJECT_DIRECTORY, directory.path];
  let api: TestApp;
  let known: Known;
  let routes: FuzzRoute[];
  let sent = 0;
  const statuses = new Map<number, number>();
  /** Answers per route and status, printed with FUZZ_REPORT=1. */
  const outcomes = new Map<string, number>();

  beforeAll(async () => {
    console.log(`fuzz seed ${SEED} (replay: ${REPLAY})`);
    // Events whose id says "park" are refused for good: they become dead letters at once.
    receiver.answer = (request) => {
      try {
        return eventIdOf(request).includes('park') ? 410 : 204;
      } catch {
        return 204;
      }
    };
    const receiverUrl = await receiver.start();
    api = await startTestApp(directory.path, CONFIG, {
      imports: [routeRecorderModule(recorded)],
    });
    known = new Known(SEED, receiverUrl);
    const document = (await call('GET', '/docs-json')).json();
    // A stream let in never ends, so it has no answer to judge: event-stream.e2e-spec.ts tests
    // its refusals and its messages over real HTTP.
    routes = fuzzRoutes(recorded, document).filter(
      (route) => route.url !== '/events/stream',
    );
    await seedState(receiverUrl);
  }, 20_000);

  afterAll(async () => {
    await api?.close();
    await receiver.close();
    directory.cleanup();
  });

  /** Sends one request and holds its answer to the contract; throws with the replay command. */
  async function send(request: ResolvedRequest): Promise<TestResponse> {
    sent++;
    let timer: NodeJS.Timeout | undefined;
    let response: TestResponse;
    try {
      response = await Promise.race([
        api.request({
          method: request.method as 'GET',
          url: request.url,
          headers: request.headers,
          payload: request.payload,
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${HANG_MS} ms`)),
            HANG_MS,
          );
        }),
      ]);
    } catch (error) {
      throw new FuzzFailure(failure(request, undefined, String(error)));
    } finally {
      clearTimeout(timer);
    }
    statuses.set(
      response.statusCode,
      (statuses.get(response.statusCode) ?? 0) + 1,
    );
    const outcome = `${request.route ?? 'stray'} ${response.statusCode}`;
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    const breach = contractBreach(request.method, response, serverPaths);
    if (breach) throw new FuzzFailure(failure(request, response, breach));
    return response;
  }

  /** Remembers what an answer created, so that later requests can name it. */
  function learn(request: ResolvedRequest, response: TestResponse): void {
    ledger.record(request, response);
    const correlation = response.headers['x-correlation-id'];
    if (typeof correlation === 'string') known.add('correlations', correlation);
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    if (!ok || request.method === 'HEAD') return;
    const body = () => response.json();
    switch (request.route) {
      case 'GET /events/dead-letters':
        for (const entry of body().dead_letters ?? [])
          known.add('deadLetters', entry.id);
        return;
      case 'POST /users':
        known.add('users', body().id);
        return;
      case 'POST /orders':
        known.add('orders', body().id);
        return;
      case 'POST /subscriptions':
        known.add('webhooks', body().name);
        known.add('subscriptions', `webhook.${body().name}`);
        return;
      case 'POST /events/replay':
        if (response.statusCode === 202) known.add('replays', body().id);
        return;
      case 'POST /events':
        for (const event of [body()].flat() as CloudEvent[]) {
          known.addEvent(event.id, event.source);
          if (event.streamid) known.add('streams', event.streamid);
        }
        return;
    }
  }

  /** A request written by hand (setup, census), checked and learnt from like any other. */
  async function call(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<TestResponse> {
    const route = routes?.find(
      (candidate) => candidate.method === method && candidate.url === url,
    );
    const request: ResolvedRequest = {
      method,
      url,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      payload: body === undefined ? undefined : JSON.stringify(body),
      route: route && `${method} ${url}`,
      params: [],
      mintedEventIds: [],
    };
    const response = await send(request);
    learn(request, response);
    return response;
  }

  async function expectOk(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<any> {
    const response = await call(method, url, body);
    expect(
      response.statusCode,
      `${method} ${url}: ${response.body}`,
    ).toBeLessThan(300);
    return response.json();
  }

  /** Something of every kind a path can name: users, an order, a webhook, dead letters, a replay. */
  async function seedState(receiverUrl: string): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await expectOk('POST', '/users', {
        email: `fz-seed-${i}@example.com`,
        name: `Seed ${i}`,
      });
    }
    await expectOk('POST', '/users', {
      email: 'fz-taken@example.com',
      name: 'Taken',
    });
    await expectOk('POST', '/orders', {
      user_id: known.pools.users[0],
      items: [{ product_id: 'widget', quantity: 1, price: 25 }],
    });
    await expectOk('POST', '/subscriptions', {
      name: 'fz-setup',
      pattern: 'fz.hook.*',
      url: receiverUrl,
    });
    for (let k = 0; k < 2; k++) {
      await expectOk('POST', '/events', {
        type: 'fz.hook.ping',
        id: `fz${SEED}-park-setup-${k}`,
        source: '/fuzz',
      });
    }
    await expectOk('POST', '/events/replay', {
      subscription: 'audit.log',
      from_position: 1,
    });
    const parked = await eventually(
      async () => {
        const page = await expectOk(
          'GET',
          '/events/dead-letters?subscription=webhook.fz-setup',
        );
        return page.dead_letters.length >= 2 ? page.dead_letters : undefined;
      },
      { timeoutMs: 10_000, what: 'the setup events to be parked' },
    );
    for (const entry of parked) known.add('deadLetters', entry.id);
    const stats = await expectOk('GET', '/events/stats');
    for (const subscription of stats.subscriptions)
      known.add('subscriptions', subscription.name);
  }

  async function runBatch(plans: RequestPlan[]): Promise<void> {
    // In flight together: CONCURRENCY plans, or every copy of a burst.
    const groups: RequestPlan[][] = [];
    for (const plan of plans) {
      const last = groups.at(-1);
      if (plan.copies > 1)
        groups.push(Array<RequestPlan>(plan.copies).fill(plan));
      else if (last && last.length < CONCURRENCY && last[0].copies === 1)
        last.push(plan);
      else groups.push([plan]);
    }
    for (const group of groups) {
      // Resolved and learnt from in plan order, so the same seed names the same things.
      const requests = group.map((plan) => known.resolve(plan));
      const responses = await Promise.all(requests.map(send));
      requests.forEach((request, index) => learn(request, responses[index]));
    }
    const live = await call('GET', '/health/live');
    if (live.statusCode !== 200)
      throw new FuzzFailure(
        `/health/live answered ${live.statusCode}: ${live.body}`,
      );
  }

  function failure(
    request: ResolvedRequest,
    response: TestResponse | undefined,
    what: string,
  ): string {
    return [
      `${what}`,
      `request: ${request.method} ${clip(request.url, 500)}`,
      `headers: ${clip(JSON.stringify(request.headers), 500)}`,
      `body: ${clip(String(request.payload ?? ''), 500)}`,
      response
        ? `answer: ${response.statusCode} ${JSON.stringify(response.headers)}\n${clip(response.body, 2000)}`
        : 'answer: none',
    ].join('\n');
  }

  it('fuzzes every route the application registered', () => {
    const served = new Set(
      routes.map((route) => `${route.method} ${route.url}`),
    );
    for (const route of [
      'POST /events',
      'GET /events/:id',
      'POST /users',
      'PATCH /users/:id',
      'DELETE /users/:id',
      'POST /orders',
      'POST /subscriptions',
      'POST /events/replay',
      'POST /events/dead-letters/:id/retry',
    ])
      expect(served, route).toContain(route);
  });

  it(
    'answers every generated request within the contract and stays live',
    async () => {
      const deadline = Date.now() + FUZZ_TIME_MS;
      const result = await fc.check(
        fc.asyncProperty(
          fc.array(requestPlan(routes), {
            minLength: BATCH_SIZE,
            maxLength: BATCH_SIZE,
          }),
          async (plans) => {
            // The time cap ends the run early; which requests are generated does not depend on it.
            if (Date.now() > deadline) return true;
            await runBatch(plans);
            return true;
          },
        ),
        {
          seed: SEED,
          numRuns: MAX_REQUESTS / BATCH_SIZE,
          endOnFailure: true,
        },
      );
      console.log(
        `fuzz seed ${SEED}: ${sent} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
      );
      if (process.env.FUZZ_REPORT)
        console.log(
          [...outcomes]
            .sort()
            .map(([outcome, count]) => `${outcome}: ${count}`)
            .join('\n'),
        );
      if (result.failed) {
        const error = result.errorInstance;
        throw new Error(
          `fuzz failed after ${sent} requests; replay with ${REPLAY}\n` +
            (error instanceof Error ? error.message : String(error)),
        );
      }
    },
    FUZZ_TIME_MS + 20_000,
  );

  it('stores every acknowledged event once, no refused one, and explains every other', async () => {
    // The application's own handlers catch up; a webhook may lag behind a receiver that is
    // down (http://127.0.0.1:1), retrying each event, as it is allowed to.
    let behind: unknown[] = [];
    await eventually(
      async () => {
        const stats = await expectOk('GET', '/events/stats');
        behind = stats.subscriptions.filter(
          (subscription: {
            position: number;
            fail_readiness_on_lag: boolean;
          }) =>
            subscription.fail_readiness_on_lag &&
            subscription.position !== stats.head,
        );
        return behind.length === 0;
      },
      { timeoutMs: 10_000, what: "the application's handlers to catch up" },
    ).catch((error) => {
      throw new Error(
        `${String(error)}; behind: ${JSON.stringify(behind)}; replay with ${REPLAY}`,
      );
    });

    const stored: CloudEvent[] = [];
    let after: string | null = '0';
    for (let page = 0; page < 200 && after !== null; page++) {
      const body: { events: CloudEvent[]; next: string | null } =
        await expectOk('GET', `/events?limit=1000&after=${after}`);
      stored.push(...body.events);
      after = body.next;
    }
    expect(after, 'GET /events kept answering a next page').toBeNull();

    const problems = ledger.census(stored);
    expect(
      problems.slice(0, 20),
      `${problems.length} problems among ${stored.length} stored events; replay with ${REPLAY}`,
    ).toEqual([]);

    // The lookup by id and source finds what the census found.
    for (const { id, source } of ledger.acknowledgedEvents.slice(0, 200)) {
      const event = await expectOk(
        'GET',
        `/events/${encodeURIComponent(id)}?source=${encodeURIComponent(source)}`,
      );
      expect({ id: event.id, source: event.source }).toEqual({ id, source });
    }
  }, 20_000);
});

function clip(text: string, length: number): string {
  return text.length > length
    ? `${text.slice(0, length)}... (${text.length} characters)`
    : text;
}
