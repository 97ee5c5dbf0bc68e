import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { BenchChild } from './support/child.js';
import { intEnv } from './support/env.js';
import { emitResult, progress, runMain } from './support/report.js';
import { createScratch } from './support/scratch.js';
import { processCpuMark, ShippedApp } from './support/shipped-app.js';
import {
  cpuShare,
  median,
  monotonicMicros,
  type CpuMark,
} from './support/stats.js';
import { within } from './support/time.js';

/**
 * The application as shipped (`node dist/main.js`, NODE_ENV=production, JSON logs at info, one
 * API key sent with every request, the rate limit above the offered load) against a bare
 * NestJS + Fastify app with one no-op POST route (bench/bare-nest-server.ts), each a process of
 * its own, autocannon in this process. Every side runs once per round, in a rotated order;
 * each side's median over the rounds is reported with its ratio to the bare route. A second
 * copy of the app with logging silent measures what the info request log costs. Any non-2xx
 * answer or error fails the benchmark. With BENCH_PROFILE_DIR set, the app at info runs under
 * `node --cpu-prof` instead and POST /events and GET /health/live are driven once each,
 * reporting the time windows to cut the profile to.
 */
const BENCH = 'http';
const connections = intEnv('BENCH_HTTP_CONNECTIONS', 64);
const seconds = intEnv('BENCH_HTTP_SECONDS', 10);
const rounds = intEnv('BENCH_HTTP_ROUNDS', 3);
const warmupSeconds = intEnv('BENCH_HTTP_WARMUP_SECONDS', 2);
const catchUpMs = intEnv('BENCH_HTTP_CATCHUP_MS', 60_000);
const profileDir = process.env.BENCH_PROFILE_DIR;
/** The sides run under the profiler, one after the other; scripts/run-bench.js summarises each. */
const PROFILED_ROUTES = ['publish', 'live', 'list'] as const;
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const appMain = process.env.BENCH_APP_MAIN ?? join(root, 'dist', 'main.js');
const apiKey = process.env.API_KEY ?? 'nesk_bench-key-for-this-run-only';

const EVENT_BODY = JSON.stringify({
  type: 'invoice.issued',
  data: {
    invoiceId: 'inv-2024-000123',
    customerId: 'cus-8f14e45f',
    amount: 4200,
    currency: 'EUR',
    lines: [
      { sku: 'sku-1', quantity: 2, price: 1500 },
      { sku: 'sku-2', quantity: 1, price: 1200 },
    ],
    issuedAt: '2026-12-01T10:00:00Z',
    note: 'the same body for every POST route of this benchmark',
  },
});

interface Target {
  name: string;
  app: 'bare' | 'info' | 'silent';
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  /** Replace [<id>] in the body with a unique id per request (autocannon idReplacement). */
  unique?: boolean;
}

const TARGETS: Target[] = [
  {
    name: 'bare',
    app: 'bare',
    method: 'POST',
    path: '/noop',
    body: EVENT_BODY,
  },
  {
    name: 'publish',
    app: 'info',
    method: 'POST',
    path: '/events',
    body: EVENT_BODY,
  },
  {
    name: 'publishSilent',
    app: 'silent',
    method: 'POST',
    path: '/events',
    body: EVENT_BODY,
  },
  { name: 'live', app: 'info', method: 'GET', path: '/health/live' },
  { name: 'list', app: 'info', method: 'GET', path: '/events?limit=20' },
  {
    name: 'users',
    app: 'info',
    method: 'POST',
    path: '/users',
    body: JSON.stringify({ email: 'u-[<id>]@example.com', name: 'Ada' }),
    unique: true,
  },
];

interface Servers {
  bare: { base: string; child: BenchChild };
  info: ShippedApp;
  silent?: ShippedApp;
}

interface LoadRun {
  target: string;
  seconds: number;
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  reqPerSec: number;
  latencyP50: number;
  latencyP99: number;
  serverCpuShare?: number;
  /** Server CPU time per answered request: unlike req/s, barely moved by other load. */
  cpuMicrosPerRequest?: number;
  catchUpMs?: number;
  /** Any non-2xx answer or error: left out of the medians. */
  invalid?: boolean;
}

function baseOf(servers: Servers, target: Target): string {
  if (target.app === 'bare') return servers.bare.base;
  const app = target.app === 'info' ? servers.info : servers.silent;
  if (!app) throw new Error(`no ${target.app} app`);
  return app.base;
}

async function load(
  servers: Servers,
  target: Target,
  durationSeconds: number,
): Promise<LoadRun> {
  const app = target.app === 'bare' ? undefined : servers[target.app];
  const result = await within(
    new Promise<Result>((resolvePromise, reject) => {
      autocannon(
        {
          url: `${baseOf(servers, target)}${target.path}`,
          method: target.method,
          headers: {
            ...(target.body ? { 'content-type': 'application/json' } : {}),
            ...(app ? app.headers : {}),
          },
          body: target.body,
          idReplacement: target.unique ?? false,
          connections,
          duration: durationSeconds,
          timeout: 10,
        },
        (error, outcome) => (error ? reject(error) : resolvePromise(outcome)),
      );
    }),
    (durationSeconds + 30) * 1000,
    `autocannon on ${target.name}`,
  );
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) {
    statusCodes[code] = count;
  }
  return {
    target: target.name,
    seconds: result.duration,
    requests: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statusCodes,
    reqPerSec: result['2xx'] / result.duration,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
  };
}

function cpuOf(servers: Servers, target: Target): () => CpuMark | undefined {
  const pid =
    target.app === 'bare' ? servers.bare.child.pid : servers[target.app]?.pid;
  return () => (pid === undefined ? undefined : processCpuMark(pid));
}

/** Waits until every subscription of `app` has handled the whole log; returns how long it took. */
async function caughtUp(app: ShippedApp): Promise<number> {
  return (await app.caughtUp(catchUpMs)).ms;
}

async function measured(
  servers: Servers,
  target: Target,
  durationSeconds: number,
): Promise<LoadRun> {
  const cpu = cpuOf(servers, target);
  const before = cpu();
  const run = await load(servers, target, durationSeconds);
  const after = cpu();
  if (before && after) {
    run.serverCpuShare = cpuShare(before, after);
    run.cpuMicrosPerRequest = Math.round(
      (after.user + after.system - before.user - before.system) /
        Math.max(1, run.ok),
    );
  }
  const app = target.app === 'bare' ? undefined : servers[target.app];
  if (app && target.method === 'POST') run.catchUpMs = await caughtUp(app);
  progress(
    BENCH,
    `${target.name.padEnd(14)} ${run.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${run.latencyP50} ms  p99 ${run.latencyP99} ms  non-2xx ${run.non2xx}  errors ${run.errors}  server cpu ${run.serverCpuShare ?? 'n/a'} (${run.cpuMicrosPerRequest ?? 'n/a'} us/req)` +
      (run.catchUpMs === undefined ? '' : `  caught up in ${run.catchUpMs} ms`),
  );
  if (run.non2xx > 0 || run.errors > 0 || run.ok === 0) {
    // Kept out of the medians and reported, rather than ending the whole benchmark.
    run.invalid = true;
    progress(
      BENCH,
      `${target.name}: INVALID run (non-2xx or errors: ${JSON.stringify(run.statusCodes)}, ${run.errors} errors)`,
    );
  }
  return run;
}

function summary(all: LoadRun[]) {
  const runs = all.filter((r) => !r.invalid);
  return {
    runs: runs.length,
    invalidRuns: all.length - runs.length,
    reqPerSec: median(runs.map((r) => r.reqPerSec)),
    latencyP50: median(runs.map((r) => r.latencyP50)),
    latencyP99: median(runs.map((r) => r.latencyP99)),
    serverCpuShare: median(runs.map((r) => r.serverCpuShare ?? Number.NaN)),
    cpuMicrosPerRequest: median(
      runs.map((r) => r.cpuMicrosPerRequest ?? Number.NaN),
    ),
    catchUpMsMax: Math.max(0, ...runs.map((r) => r.catchUpMs ?? 0)),
  };
}

async function measure(servers: Servers): Promise<void> {
  progress(BENCH, `warm-up: ${warmupSeconds} s per route`);
  for (const target of TARGETS) await load(servers, target, warmupSeconds);
  await caughtUp(servers.info);
  if (servers.silent) await caughtUp(servers.silent);

  const runs: LoadRun[] = [];
  for (let round = 0; round < rounds; round++) {
    // Each round starts one target later, so no target always runs first or last.
    for (let i = 0; i < TARGETS.length; i++) {
      const target = TARGETS[(i + round) % TARGETS.length];
      runs.push(await measured(servers, target, seconds));
    }
  }
  const sides = Object.fromEntries(
    TARGETS.map((target) => [
      target.name,
      {
        route: `${target.method} ${target.path}`,
        ...summary(runs.filter((r) => r.target === target.name)),
      },
    ]),
  );
  const bare = sides.bare.reqPerSec;
  emitResult({
    benchmark: BENCH,
    connections,
    seconds,
    rounds,
    sides,
    ratios: {
      publish: sides.publish.reqPerSec / bare,
      live: sides.live.reqPerSec / bare,
      list: sides.list.reqPerSec / bare,
      users: sides.users.reqPerSec / bare,
      publishSilent: sides.publishSilent.reqPerSec / bare,
    },
    /**
     * The same comparison in server CPU per request (bare / app): what the ratio of req/s
     * would be if each server had the same CPU to itself; robust to a busy machine.
     */
    cpuRatios: Object.fromEntries(
      ['publish', 'live', 'list', 'users', 'publishSilent'].map((name) => [
        name,
        sides.bare.cpuMicrosPerRequest / sides[name].cpuMicrosPerRequest,
      ]),
    ),
    loggingCpuCost:
      1 -
      sides.publishSilent.cpuMicrosPerRequest /
        sides.publish.cpuMicrosPerRequest,
    /** Share of POST /events throughput the info request log costs. */
    loggingCost: 1 - sides.publish.reqPerSec / sides.publishSilent.reqPerSec,
    runs,
  });
}

async function profile(servers: Servers): Promise<void> {
  const windows: Record<string, unknown> = {};
  for (const name of PROFILED_ROUTES) {
    const target = TARGETS.find((t) => t.name === name);
    if (!target) continue;
    await load(servers, target, warmupSeconds);
    await caughtUp(servers.info);
    const startMicros = monotonicMicros();
    const run = await measured(servers, target, seconds);
    windows[name] = {
      window: { startMicros, endMicros: monotonicMicros() },
      run,
    };
  }
  // The profile is written when the process exits.
  await servers.info.stop();
  emitResult({ benchmark: BENCH, mode: 'profile', profileDir, ...windows });
}

async function main(): Promise<void> {
  const scratch = createScratch(BENCH);
  const started: { stop(): Promise<void> }[] = [];
  try {
    const child = BenchChild.start(
      fileURLToPath(new URL('./bare-nest-server.js', import.meta.url)),
      { label: 'bare-nest' },
    );
    started.push(child);
    const { port } = await child.waitFor('listening', 60_000);
    const bare = { base: `http://127.0.0.1:${String(port)}`, child };
    const app = (logLevel: string, execArgv: string[] = []) =>
      ShippedApp.start({
        main: appMain,
        cwd: root,
        databasePath: scratch.databasePath(logLevel),
        logPath: join(scratch.directory, `${logLevel}.log`),
        logLevel,
        apiKey,
        label: `app-${logLevel}`,
        execArgv,
      });
    const info = await app(
      'info',
      profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    );
    started.push(info);
    progress(
      BENCH,
      `bare pid ${child.pid}, app (log info) pid ${info.pid}, from ${appMain}`,
    );
    if (profileDir) {
      await profile({ bare, info });
      return;
    }
    const silent = await app('silent');
    started.push(silent);
    progress(BENCH, `app (log silent) pid ${silent.pid}`);
    await measure({ bare, info, silent });
  } finally {
    for (const server of started.reverse()) await server.stop();
    scratch.cleanup();
  }
}

runMain(BENCH, main);
