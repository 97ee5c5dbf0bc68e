import 'reflect-metadata';
import Database from 'better-sqlite3';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EventPattern } from '../src/events/patterns/event-pattern.js';
import type { EventQuery } from '../src/events/store/event-query.js';
import { EventStore } from '../src/events/store/event-store.js';
import { startEventKernel } from './modules/event-kernel.module.js';
import { benchConfig } from './support/config.js';
import { emitResult, progress, runMain } from './support/report.js';
import { createScratch } from './support/scratch.js';
import { distribution } from './support/stats.js';

/**
 * The cost curve of GET /events filters: one events table grown to each size of
 * BENCH_QUERY_SIZES (default 10k, 100k, 1M rows), and at each size BENCH_QUERY_SAMPLES pages
 * (limit 20) per filter through EventStore.query, as the route calls it, with values drawn at
 * random: exact type, type prefix pattern, stream id, correlation id, since, and a pattern
 * without a literal prefix (`**.failed`, matched in code over a bounded scan). Rows are
 * inserted with better-sqlite3 in the store's own format (the bus would take minutes for 1M);
 * the schema is the store's, made by its migrations.
 *
 * Two things keep the figures about the queries. The kernel boots afresh at each size, and
 * its boot leaves some 50 MB in the young generation: the first scavenge after it copies all
 * of that and took 12-30 ms on a busy machine, landing on one page of whichever filter came
 * first (the "exact type" outlier at 1M). A full collection right after boot settles that
 * heap before the warm-up; the garbage the pages themselves make is still collected during
 * the measurement, as in a server that has been up a while. And each page's CPU time is
 * reported beside its wall time: on a shared machine, a page preempted by another process
 * shows in wall time only. It is the process's CPU time, so it also counts the runtime's own
 * threads (concurrent garbage collection) while the page ran: its median is the robust
 * figure, its p99 can exceed the wall time's.
 */
const BENCH = 'queries';
const sizes = (process.env.BENCH_QUERY_SIZES ?? '10000,100000,1000000')
  .split(',')
  .map(Number);
const samples = Number(process.env.BENCH_QUERY_SAMPLES ?? '300');
const LIMIT = 20;
const MODULES = ['orders', 'users', 'billing', 'shipping', 'audit'];
const ENTITIES = ['order', 'invoice', 'parcel', 'account'];
const VERBS = ['created', 'updated', 'failed', 'completed', 'cancelled'];
/** 5 x 4 x 5 = 100 types; one in five ends with .failed. */
const TYPES = MODULES.flatMap((m) =>
  ENTITIES.flatMap((e) => VERBS.map((v) => `${m}.${e}.${v}`)),
);
const STREAM_EVENTS = 10; // events per stream
const CORRELATION_EVENTS = 5; // events per correlation id
const START = Date.parse('2026-01-01T00:00:00.000Z');

/** A seeded generator, so every run stores and asks the same. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const timeOf = (n: number) => new Date(START + n * 1000).toISOString();

/** Rows [from, to) in the store's column format; event n has position n + 1. */
function fill(path: string, from: number, to: number): void {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const insert = db.prepare(
      `INSERT INTO events (id, type, source, subject, datacontenttype, time, stream_id,
         stream_version, correlation_id, causation_id, data, metadata, recorded_at,
         time_high_water)
       VALUES (?, ?, '/bench', NULL, 'application/json', ?, ?, ?, ?, NULL, ?, ?, ?, ?)`,
    );
    const next = random(from + 1);
    db.transaction(() => {
      for (let n = from; n < to; n++) {
        const type = TYPES[Math.floor(next() * TYPES.length)];
        const correlation = `c-${Math.floor(n / CORRELATION_EVENTS)}`;
        insert.run(
          `e-${n}`,
          type,
          timeOf(n),
          `s-${Math.floor(n / STREAM_EVENTS)}`,
          (n % STREAM_EVENTS) + 1,
          correlation,
          JSON.stringify({ n, amount: 42, note: 'a small payload' }),
          JSON.stringify({ correlationId: correlation, actor: 'bench' }),
          timeOf(n),
          // Times grow with positions here, so the running maximum is the row's own time.
          timeOf(n),
        );
      }
    })();
  } finally {
    db.close();
  }
}

type Filter = (pick: () => number, size: number) => Partial<EventQuery>;

const FILTERS: Record<string, Filter> = {
  type: (pick) => ({
    type: EventPattern.parse(TYPES[Math.floor(pick() * TYPES.length)]),
  }),
  typePrefix: (pick) => ({
    type: EventPattern.parse(
      `${MODULES[Math.floor(pick() * MODULES.length)]}.**`,
    ),
  }),
  streamId: (pick, size) => ({
    streamId: `s-${Math.floor((pick() * size) / STREAM_EVENTS)}`,
  }),
  correlationId: (pick, size) => ({
    correlationId: `c-${Math.floor((pick() * size) / CORRELATION_EVENTS)}`,
  }),
  since: (pick, size) => ({ since: timeOf(Math.floor(pick() * size)) }),
  noPrefixPattern: () => ({ type: EventPattern.parse('**.failed') }),
};

/** A full collection, so the heap the boot left is not collected during the measurement. */
function collectBootGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

async function measureAt(
  path: string,
  size: number,
): Promise<Record<string, unknown>> {
  const app = await startEventKernel(benchConfig(path));
  try {
    const store = app.get(EventStore, { strict: false });
    collectBootGarbage();
    const results: Record<string, unknown> = {};
    for (const [name, filter] of Object.entries(FILTERS)) {
      const pick = random(size + name.length);
      const times: number[] = [];
      const cpuTimes: number[] = [];
      let maxReturned = 0;
      let pagesWithNext = 0;
      for (let i = 0; i < samples + 20; i++) {
        // Half the pages start at a random cursor, as a client paging through does.
        // SQLite: a cursor is the position alone (txid 0).
        const after =
          i % 2 === 0
            ? undefined
            : { txid: 0, position: Math.floor(pick() * size * 0.9) || 1 };
        const query: EventQuery = {
          limit: LIMIT,
          order: 'asc',
          maxBytes: 4 * 1024 * 1024,
          after,
          ...filter(pick, size),
        };
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        const page = await store.query(query);
        const elapsed = performance.now() - started;
        const cpu = process.cpuUsage(cpuBefore);
        if (i < 20) continue; // warm-up
        times.push(elapsed);
        cpuTimes.push((cpu.user + cpu.system) / 1000);
        maxReturned = Math.max(maxReturned, page.events.length);
        if (page.next !== null) pagesWithNext++;
      }
      const d = distribution(times);
      const c = distribution(cpuTimes);
      results[name] = {
        p50: round(d.p50),
        p99: round(d.p99),
        max: round(d.max),
        cpuP50: round(c.p50),
        cpuP99: round(c.p99),
        maxReturned,
        pagesWithNext,
      };
      progress(
        BENCH,
        `${String(size).padStart(8)} rows  ${name.padEnd(16)} p50 ${round(d.p50)} ms  p99 ${round(d.p99)} ms  (CPU p50 ${round(c.p50)} ms  p99 ${round(c.p99)} ms)`,
      );
    }
    return results;
  } finally {
    await app.close();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

async function main(): Promise<void> {
  const scratch = createScratch(BENCH);
  const path = scratch.databasePath();
  // Migrations make the schema; the kernel is closed again before rows are added.
  await (await startEventKernel(benchConfig(path))).close();
  const curve: Record<string, Record<string, unknown>> = {};
  let stored = 0;
  for (const size of [...sizes].sort((a, b) => a - b)) {
    const started = performance.now();
    fill(path, stored, size);
    stored = size;
    progress(
      BENCH,
      `${size} rows stored (${Math.round(performance.now() - started)} ms)`,
    );
    curve[String(size)] = await measureAt(path, size);
  }
  scratch.cleanup();
  emitResult({ benchmark: BENCH, limit: LIMIT, samples, sizes, curve });
}

runMain(BENCH, main);
