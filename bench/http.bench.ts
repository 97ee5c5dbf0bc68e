import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { BenchChild } from './support/child.js';
import { intEnv } from './support/env.js';
import { emitResult, progress, runMain } from './support/report.js';
import { createScratch } from './support/scratch.js';
import { cpuShare, median, type CpuMark } from './support/stats.js';
import { sleep, within } from './support/time.js';

/**
 * POST /events (one small event per request) against POST /bench/noop on the same application,
 * with autocannon in this process and the application in a child process. Sides alternate
 * round by round; each side's median is reported. With BENCH_PROFILE_DIR set it instead runs
 * the server under `node --cpu-prof` and drives each route once, reporting the time windows
 * of the two runs so the profile can be cut to them.
 */
const BENCH = 'http';
const connections = intEnv('BENCH_HTTP_CONNECTIONS', 64);
const seconds = intEnv('BENCH_HTTP_SECONDS', 10);
const rounds = intEnv('BENCH_HTTP_ROUNDS', 3);
const warmupSeconds = intEnv('BENCH_HTTP_WARMUP_SECONDS', 2);
const catchUpMs = intEnv('BENCH_HTTP_CATCHUP_MS', 60_000);
const profileDir = process.env.BENCH_PROFILE_DIR;

const ROUTES = { noop: '/bench/noop', publish: '/events' } as const;
type Side = keyof typeof ROUTES;

const BODY = JSON.stringify({
  type: 'invoice.issued',
  data: { invoiceId: 'i-1', amount: 42 },
});

interface LoadRun {
  side: Side;
  seconds: number;
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  reqPerSec: number;
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
  /** CPU time of the server process per wall time during the run (1.0 = one core). */
  serverCpuShare?: number;
  /** Events the log grew by during the run (POST /events only). */
  eventsCommitted?: number;
  /** How long the application's subscriptions needed to reach the head afterwards. */
  catchUpMs?: number;
}

interface Lag {
  head: number;
  subscriptions: { name: string; position: number }[];
}

async function load(
  base: string,
  side: Side,
  durationSeconds: number,
): Promise<LoadRun> {
  const result = await within(
    new Promise<Result>((resolve, reject) => {
      autocannon(
        {
          url: `${base}${ROUTES[side]}`,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(process.env.API_KEY
              ? { authorization: `Bearer ${process.env.API_KEY}` }
              : {}),
          },
          body: BODY,
          connections,
          duration: durationSeconds,
          timeout: 10,
        },
        (error, outcome) => (error ? reject(error) : resolve(outcome)),
      );
    }),
    (durationSeconds + 30) * 1000,
    `autocannon on ${ROUTES[side]}`,
  );
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) {
    statusCodes[code] = count;
  }
  return {
    side,
    seconds: result.duration,
    requests: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    reqPerSec: result['2xx'] / result.duration,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    latencyMax: result.latency.max,
  };
}

async function cpuOf(server: BenchChild): Promise<CpuMark> {
  return (await server.request('cpu', 10_000)).mark as CpuMark;
}

async function lagOf(server: BenchChild): Promise<Lag> {
  return (await server.request('lag', 10_000)) as unknown as Lag;
}

/** Waits until every subscription has handled the whole log; returns the time it took. */
async function caughtUp(server: BenchChild): Promise<number> {
  const started = performance.now();
  const deadline = started + catchUpMs;
  while (performance.now() < deadline) {
    const { head, subscriptions } = await lagOf(server);
    if (subscriptions.every((s) => s.position >= head)) {
      return Math.round(performance.now() - started);
    }
    await sleep(50);
  }
  progress(BENCH, `subscriptions still behind after ${catchUpMs}ms`);
  return Math.round(performance.now() - started);
}

async function measured(
  server: BenchChild,
  base: string,
  side: Side,
  durationSeconds: number,
): Promise<LoadRun> {
  const before = await lagOf(server);
  const cpu = await cpuOf(server);
  const run = await load(base, side, durationSeconds);
  run.serverCpuShare = cpuShare(cpu, await cpuOf(server));
  const after = await lagOf(server);
  if (side === 'publish') {
    run.eventsCommitted = after.head - before.head;
    run.catchUpMs = await caughtUp(server);
  }
  progress(
    BENCH,
    `${ROUTES[side].padEnd(12)} ${run.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${run.latencyP50} ms  p99 ${run.latencyP99} ms  non-2xx ${run.non2xx}  errors ${run.errors}  server cpu ${run.serverCpuShare}` +
      (run.catchUpMs === undefined
        ? ''
        : `  subscriptions caught up ${run.catchUpMs} ms later`),
  );
  return run;
}

function summary(runs: LoadRun[]) {
  return {
    runs: runs.length,
    reqPerSec: median(runs.map((r) => r.reqPerSec)),
    latencyP50: median(runs.map((r) => r.latencyP50)),
    latencyP99: median(runs.map((r) => r.latencyP99)),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    errors: runs.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
    serverCpuShare: median(runs.map((r) => r.serverCpuShare ?? Number.NaN)),
  };
}

async function measure(server: BenchChild, base: string): Promise<void> {
  progress(BENCH, `warm-up: ${warmupSeconds} s per route`);
  await load(base, 'noop', warmupSeconds);
  await load(base, 'publish', warmupSeconds);
  await caughtUp(server);

  const runs: LoadRun[] = [];
  for (let round = 0; round < rounds; round++) {
    const order: Side[] =
      round % 2 === 0 ? ['noop', 'publish'] : ['publish', 'noop'];
    for (const side of order) {
      runs.push(await measured(server, base, side, seconds));
    }
  }
  const noop = summary(runs.filter((r) => r.side === 'noop'));
  const publish = summary(runs.filter((r) => r.side === 'publish'));
  const publishRuns = runs.filter((r) => r.side === 'publish');
  emitResult({
    benchmark: BENCH,
    connections,
    seconds,
    rounds,
    noop,
    publish: {
      ...publish,
      eventsCommitted: publishRuns.reduce(
        (sum, r) => sum + (r.eventsCommitted ?? 0),
        0,
      ),
      acknowledged: publishRuns.reduce((sum, r) => sum + r.ok, 0),
      catchUpMsMax: Math.max(...publishRuns.map((r) => r.catchUpMs ?? 0)),
    },
    ratio: publish.reqPerSec / noop.reqPerSec,
    runs,
  });
}

/** One profiled run of a route: the window to cut out of the profile and what SQLite did in it. */
async function profiledRun(server: BenchChild, base: string, side: Side) {
  await caughtUp(server);
  await server.request('sql-stats-reset', 10_000);
  const startMicros = (await server.request('clock', 10_000)).micros as number;
  const cpu = await cpuOf(server);
  const run = await load(base, side, seconds);
  run.serverCpuShare = cpuShare(cpu, await cpuOf(server));
  const endMicros = (await server.request('clock', 10_000)).micros as number;
  const { statements } = await server.request('sql-stats', 10_000);
  progress(
    BENCH,
    `${ROUTES[side]} under the profiler: ${run.reqPerSec.toFixed(0)} req/s, p99 ${run.latencyP99} ms, server cpu ${run.serverCpuShare}`,
  );
  return { window: { startMicros, endMicros }, run, statements };
}

async function profile(server: BenchChild, base: string): Promise<void> {
  progress(
    BENCH,
    `profiling POST /bench/noop, then POST /events, ${seconds} s each`,
  );
  await load(base, 'noop', warmupSeconds);
  await load(base, 'publish', warmupSeconds);
  const noop = await profiledRun(server, base, 'noop');
  const publish = await profiledRun(server, base, 'publish');
  emitResult({ benchmark: BENCH, mode: 'profile', profileDir, noop, publish });
}

async function main(): Promise<void> {
  const scratch = createScratch(BENCH);
  const server = BenchChild.start(
    fileURLToPath(new URL('./http-server.js', import.meta.url)),
    {
      label: 'http-server',
      env: {
        BENCH_DB_PATH: scratch.databasePath(),
        BENCH_SQL_STATS: profileDir ? '1' : '0',
      },
      execArgv: profileDir
        ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]
        : [],
    },
  );
  try {
    const { port } = await server.waitFor('listening', 60_000);
    progress(BENCH, `server pid ${server.pid} on 127.0.0.1:${String(port)}`);
    const base = `http://127.0.0.1:${String(port)}`;
    if (profileDir) await profile(server, base);
    else await measure(server, base);
  } finally {
    await server.stop();
    scratch.cleanup();
  }
}

runMain(BENCH, main);
