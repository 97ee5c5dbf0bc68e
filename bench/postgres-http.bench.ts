import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import pg from 'pg';
import { intEnv } from './support/env.js';
import {
  RAW_TABLE_SQL,
  rawBatchedInserts,
  type RawInsertRun,
} from './support/raw-pg-inserts.js';
import { emitResult, progress, runMain } from './support/report.js';
import { createScratch } from './support/scratch.js';
import { processCpuMark, ShippedApp } from './support/shipped-app.js';
import { median } from './support/stats.js';
import { within } from './support/time.js';

/**
 * POST /events on PostgreSQL against the same app on SQLite, in one run: (a) the app as shipped
 * on SQLite, (b) one instance on PostgreSQL, (c) two instances on one PostgreSQL database, each
 * driven by an autocannon of its own with half the connections (req/s summed), and (d) raw `pg`
 * multi-row INSERTs of the same rows into a plain table by as many concurrent callers, grouped
 * in batches: what the driver and the database give without the platform. Every PostgreSQL
 * side has a database of its own, created for the run and dropped after it. All sides run once
 * per round in a rotated order; medians over the rounds are reported. Any non-2xx answer or
 * error makes a run invalid (left out of the medians and counted). Skips, with the reason,
 * when PostgreSQL does not answer.
 */
const BENCH = 'postgres-http';
const connections = intEnv('BENCH_PG_CONNECTIONS', 64);
const seconds = intEnv('BENCH_PG_SECONDS', 10);
const rounds = intEnv('BENCH_PG_ROUNDS', 3);
const warmupSeconds = intEnv('BENCH_PG_WARMUP_SECONDS', 2);
const catchUpMs = intEnv('BENCH_PG_CATCHUP_MS', 60_000);
const rawBatch = intEnv('BENCH_PG_RAW_BATCH', 64);
const rawPool = intEnv('BENCH_PG_RAW_POOL', 4);
const adminUrl =
  process.env.BENCH_POSTGRES_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const appMain = process.env.BENCH_APP_MAIN ?? join(root, 'dist', 'main.js');
const apiKey = process.env.API_KEY ?? 'nesk_bench-key-for-this-run-only';

const EVENT_TYPE = 'invoice.issued';
const EVENT_DATA = JSON.stringify({
  invoiceId: 'inv-2024-000123',
  customerId: 'cus-8f14e45f',
  amount: 4200,
  currency: 'EUR',
  lines: [
    { sku: 'sku-1', quantity: 2, price: 1500 },
    { sku: 'sku-2', quantity: 1, price: 1200 },
  ],
  issuedAt: '2026-12-01T10:00:00Z',
  note: 'the same body for every side of this benchmark',
});
const EVENT_BODY = `{"type":"${EVENT_TYPE}","data":${EVENT_DATA}}`;

type SideName = 'sqlite' | 'pg1' | 'pg2' | 'raw';
const SIDES: SideName[] = ['sqlite', 'pg1', 'pg2', 'raw'];

interface SideRun {
  side: SideName;
  eventsPerSec: number;
  latencyP99: number;
  latencyP50: number;
  ok: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  /** Server CPU time per acknowledged event (both processes for pg2; this process for raw). */
  cpuMicrosPerEvent?: number;
  /** CPU time of the PostgreSQL backends of the side's database per event. */
  databaseCpuMicrosPerEvent?: number;
  catchUpMs?: number;
  invalid?: boolean;
}

/** A database of its own for one side, dropped WITH (FORCE) by `drop`. */
class ScratchDatabase {
  private constructor(
    readonly name: string,
    readonly url: string,
  ) {}

  static async create(side: string): Promise<ScratchDatabase> {
    const name = `bench_${side}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    await adminQuery(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return new ScratchDatabase(name, url.toString());
  }

  async drop(): Promise<void> {
    await adminQuery(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
  }
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({
    connectionString: adminUrl,
    connectionTimeoutMillis: 3000,
  });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * CPU time so far of the PostgreSQL backends connected to `database`, per backend pid, when the
 * server runs on this machine (readable in /proc); empty otherwise. The WAL writer and other
 * shared server processes are not counted.
 */
async function backendCpu(database: string): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1',
      [database],
    );
    const cpu = new Map<number, number>();
    for (const { pid } of rows) {
      try {
        const mark = processCpuMark(pid);
        cpu.set(pid, mark.user + mark.system);
      } catch {
        // not on this machine, or gone since the query
      }
    }
    return cpu;
  } finally {
    await client.end();
  }
}

/** Backend CPU used between two readings; backends that ended in between are not counted. */
function backendCpuUsed(
  before: Map<number, number>,
  after: Map<number, number>,
): number | undefined {
  if (after.size === 0) return undefined;
  let used = 0;
  for (const [pid, micros] of after) used += micros - (before.get(pid) ?? 0);
  return used;
}

async function unreachableReason(): Promise<string | undefined> {
  try {
    await adminQuery('SELECT 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL unreachable at ${new URL(adminUrl).host}: ${(error as Error).message}`;
  }
}

function cannon(app: ShippedApp, conns: number, duration: number) {
  return within(
    new Promise<Result>((resolvePromise, reject) => {
      autocannon(
        {
          url: `${app.base}/events`,
          method: 'POST',
          headers: { 'content-type': 'application/json', ...app.headers },
          body: EVENT_BODY,
          connections: conns,
          duration,
          timeout: 10,
        },
        (error, outcome) => (error ? reject(error) : resolvePromise(outcome)),
      );
    }),
    (duration + 30) * 1000,
    `autocannon on ${app.label}`,
  );
}

/** Waits until every subscription has handled the whole log, so no side pays for another's. */
async function caughtUp(app: ShippedApp): Promise<number> {
  const { ms, behind } = await app.caughtUp(catchUpMs);
  if (behind > 0) {
    progress(
      BENCH,
      `${app.label}: still ${behind} events behind after ${catchUpMs} ms`,
    );
  }
  return ms;
}

function serverCpu(apps: ShippedApp[]): number {
  return apps.reduce((sum, app) => {
    const mark = processCpuMark(app.pid);
    return sum + mark.user + mark.system;
  }, 0);
}

/** Drives the apps in parallel, `connections` split evenly over them; req/s summed. */
async function httpSide(
  side: SideName,
  apps: ShippedApp[],
  duration: number,
  database?: string,
): Promise<SideRun> {
  const databaseBefore = database ? await backendCpu(database) : undefined;
  const before = serverCpu(apps);
  const results = await Promise.all(
    apps.map((app) => cannon(app, connections / apps.length, duration)),
  );
  const cpu = serverCpu(apps) - before;
  const databaseUsed =
    database && databaseBefore
      ? backendCpuUsed(databaseBefore, await backendCpu(database))
      : undefined;
  const statusCodes: Record<string, number> = {};
  for (const result of results) {
    for (const [code, { count }] of Object.entries(result.statusCodeStats)) {
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
    }
  }
  const ok = results.reduce((sum, r) => sum + r['2xx'], 0);
  const run: SideRun = {
    side,
    eventsPerSec: results.reduce((sum, r) => sum + r['2xx'] / r.duration, 0),
    // Without the raw samples of both generators, the worse of their p99s stands for the side.
    latencyP99: Math.max(...results.map((r) => r.latency.p99)),
    latencyP50: median(results.map((r) => r.latency.p50)),
    ok,
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
    statusCodes,
    cpuMicrosPerEvent: Math.round(cpu / Math.max(1, ok)),
    databaseCpuMicrosPerEvent:
      databaseUsed === undefined
        ? undefined
        : Math.round(databaseUsed / Math.max(1, ok)),
  };
  run.catchUpMs = await caughtUp(apps[0]);
  return run;
}

async function rawSide(
  database: ScratchDatabase,
  duration: number,
): Promise<SideRun> {
  const databaseBefore = await backendCpu(database.name);
  let databaseAfter = new Map<number, number>();
  const before = process.cpuUsage();
  const raw: RawInsertRun = await rawBatchedInserts({
    url: database.url,
    type: EVENT_TYPE,
    data: EVENT_DATA,
    callers: connections,
    poolSize: rawPool,
    maxBatch: rawBatch,
    seconds: duration,
    // Read while the pool's backends still exist: they end with the pool.
    beforeClose: async () => {
      databaseAfter = await backendCpu(database.name);
    },
  });
  const cpu = process.cpuUsage(before);
  const databaseUsed = backendCpuUsed(databaseBefore, databaseAfter);
  return {
    side: 'raw',
    eventsPerSec: raw.rowsPerSec,
    latencyP99: raw.latencyP99,
    latencyP50: raw.latencyP50,
    ok: raw.rows,
    non2xx: 0,
    errors: raw.errors,
    statusCodes: {},
    cpuMicrosPerEvent: Math.round(
      (cpu.user + cpu.system) / Math.max(1, raw.rows),
    ),
    databaseCpuMicrosPerEvent:
      databaseUsed === undefined
        ? undefined
        : Math.round(databaseUsed / Math.max(1, raw.rows)),
  };
}

function report(run: SideRun): SideRun {
  progress(
    BENCH,
    `${run.side.padEnd(6)} ${run.eventsPerSec.toFixed(0).padStart(6)} events/s  p50 ${run.latencyP50.toFixed(1)} ms  p99 ${run.latencyP99.toFixed(1)} ms  non-2xx ${run.non2xx}  errors ${run.errors}  ${run.cpuMicrosPerEvent ?? 'n/a'} us CPU/event  database ${run.databaseCpuMicrosPerEvent ?? 'n/a'} us/event` +
      (run.catchUpMs === undefined ? '' : `  caught up in ${run.catchUpMs} ms`),
  );
  if (run.non2xx > 0 || run.errors > 0 || run.ok === 0) {
    run.invalid = true;
    progress(
      BENCH,
      `${run.side}: INVALID run (non-2xx or errors: ${JSON.stringify(run.statusCodes)}, ${run.errors} errors)`,
    );
  }
  return run;
}

function summary(all: SideRun[]) {
  const runs = all.filter((r) => !r.invalid);
  return {
    runs: runs.length,
    invalidRuns: all.length - runs.length,
    eventsPerSec: median(runs.map((r) => r.eventsPerSec)),
    latencyP50: median(runs.map((r) => r.latencyP50)),
    latencyP99: median(runs.map((r) => r.latencyP99)),
    cpuMicrosPerEvent: median(
      runs.map((r) => r.cpuMicrosPerEvent ?? Number.NaN),
    ),
    databaseCpuMicrosPerEvent: median(
      runs.map((r) => r.databaseCpuMicrosPerEvent ?? Number.NaN),
    ),
  };
}

async function main(): Promise<void> {
  const reason = await unreachableReason();
  if (reason) {
    progress(BENCH, `skipped: ${reason}`);
    emitResult({ benchmark: BENCH, skipped: reason });
    return;
  }
  const scratch = createScratch(BENCH);
  const apps: ShippedApp[] = [];
  const databases: ScratchDatabase[] = [];
  const start = async (label: string, env: Record<string, string>) => {
    const app = await ShippedApp.start({
      main: appMain,
      cwd: root,
      databasePath: scratch.databasePath(label),
      logPath: join(scratch.directory, `${label}.log`),
      logLevel: 'info',
      apiKey,
      label,
      env,
    });
    apps.push(app);
    progress(BENCH, `${label} pid ${app.pid}`);
    return app;
  };
  const database = async (side: string) => {
    const created = await ScratchDatabase.create(side);
    databases.push(created);
    return created;
  };
  const postgres = (url: string, instance: string) => ({
    EVENT__STORE__DRIVER: 'postgres',
    DATABASE__URL: url,
    EVENT__CLUSTER__INSTANCE_ID: instance,
  });
  try {
    const sqlite = await start('sqlite', {});
    const pg1Db = await database('pg1');
    const pg1 = await start('pg1', postgres(pg1Db.url, 'pg1-a'));
    const pg2Db = await database('pg2');
    // One after the other: the first migrates, the second finds the schema in place.
    const pg2 = [
      await start('pg2-a', postgres(pg2Db.url, 'pg2-a')),
      await start('pg2-b', postgres(pg2Db.url, 'pg2-b')),
    ];
    const rawDb = await database('raw');
    const rawClient = new pg.Client({ connectionString: rawDb.url });
    await rawClient.connect();
    await rawClient.query(RAW_TABLE_SQL);
    await rawClient.end();

    const side = (name: SideName, duration: number): Promise<SideRun> => {
      switch (name) {
        case 'sqlite':
          return httpSide(name, [sqlite], duration);
        case 'pg1':
          return httpSide(name, [pg1], duration, pg1Db.name);
        case 'pg2':
          return httpSide(name, pg2, duration, pg2Db.name);
        case 'raw':
          return rawSide(rawDb, duration);
      }
    };
    progress(BENCH, `warm-up: ${warmupSeconds} s per side`);
    for (const name of SIDES) await side(name, warmupSeconds);

    const runs: SideRun[] = [];
    for (let round = 0; round < rounds; round++) {
      // Each round starts one side later, so no side always runs first or last.
      for (let i = 0; i < SIDES.length; i++) {
        runs.push(
          report(await side(SIDES[(i + round) % SIDES.length], seconds)),
        );
      }
    }
    const sides = Object.fromEntries(
      SIDES.map((name) => [name, summary(runs.filter((r) => r.side === name))]),
    ) as Record<SideName, ReturnType<typeof summary>>;
    emitResult({
      benchmark: BENCH,
      connections,
      seconds,
      rounds,
      rawBatch,
      rawPool,
      sides,
      ratios: {
        pg1ToSqlite: sides.pg1.eventsPerSec / sides.sqlite.eventsPerSec,
        pg2ToPg1: sides.pg2.eventsPerSec / sides.pg1.eventsPerSec,
        pg1ToRaw: sides.pg1.eventsPerSec / sides.raw.eventsPerSec,
      },
      runs,
    });
  } finally {
    for (const app of apps.reverse()) await app.stop();
    for (const created of databases) {
      await created.drop().catch((error: unknown) => {
        progress(BENCH, `could not drop ${created.name}: ${String(error)}`);
      });
    }
    scratch.cleanup();
  }
}

runMain(BENCH, main);
