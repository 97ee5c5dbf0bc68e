import 'reflect-metadata';
import { Dispatcher } from '../src/events/dispatch/dispatcher.js';
import { EventBus } from '../src/events/bus/event-bus.js';
import type { NewEvent } from '../src/events/store/new-event.js';
import type { StoredEvent } from '../src/events/store/stored-event.js';
import { SubscriptionStore } from '../src/events/store/subscription-store.js';
import {
  BenchSinks,
  BenchSinksModule,
  SINK_NAMES,
} from './modules/sinks.module.js';
import { startEventKernel } from './modules/event-kernel.module.js';
import { benchConfig } from './support/config.js';
import { intEnv } from './support/env.js';
import { MemorySampler, megabytes } from './support/memory.js';
import { emitResult, progress, runMain } from './support/report.js';
import { createScratch } from './support/scratch.js';
import {
  installSqlStats,
  resetSqlStats,
  sqlStats,
} from './support/sql-stats.js';
import { cpuMark, cpuShare, monotonicMicros } from './support/stats.js';
import { pollUntil } from './support/time.js';

/**
 * BENCH_EVENTS events (default 1,000,000) published in-process through EventBus.publish in
 * batches, a bounded number of batches in flight, with four durable subscriptions to every
 * event. Measures events/s until every event is committed, and until every subscription's
 * position has reached the head, plus the peak RSS of the process.
 */
const BENCH = 'throughput';
const total = intEnv('BENCH_EVENTS', 1_000_000);
const batchSize = intEnv('BENCH_BATCH_SIZE', 100);
const inFlight = intEnv('BENCH_IN_FLIGHT', 16);
const timeoutMs = intEnv('BENCH_TIMEOUT_MS', 10 * 60_000);

function batch(first: number, size: number): NewEvent[] {
  const events: NewEvent[] = new Array<NewEvent>(size);
  for (let i = 0; i < size; i++) {
    events[i] = {
      type: 'invoice.issued',
      data: { invoiceId: `i-${first + i}`, amount: 42 },
    };
  }
  return events;
}

const withSqlStats = process.env.BENCH_SQL_STATS === '1';

async function main(): Promise<void> {
  if (withSqlStats) installSqlStats();
  const scratch = createScratch(BENCH);
  const app = await startEventKernel(benchConfig(scratch.databasePath()), [
    BenchSinksModule,
  ]);
  try {
    const bus = app.get(EventBus);
    // The single-event overload of publish() also accepts an array (an array is an object), so
    // TypeScript picks it for arrays too; at run time an array resolves to StoredEvent[].
    const publishBatch = (events: NewEvent[]) =>
      bus.publish(events) as unknown as Promise<StoredEvent[]>;
    const dispatcher = app.get(Dispatcher);
    const sinks = app.get(BenchSinks);
    const checkpoints = app.get(SubscriptionStore, { strict: false });
    const runners = dispatcher.all;
    if (runners.length !== SINK_NAMES.length) {
      throw new Error(
        `expected the ${SINK_NAMES.length} sink subscriptions, found ${runners.map((r) => r.definition.name).join(', ')}`,
      );
    }
    const lowest = () =>
      Math.min(...runners.map((runner) => runner.snapshot.position));

    const baselineRss = process.memoryUsage().rss;
    let maxLag = 0;
    let lastPosition = 0;
    const memory = new MemorySampler(() => {
      maxLag = Math.max(maxLag, dispatcher.head.position - lowest());
    }).start(100);

    progress(
      BENCH,
      `${total.toLocaleString('en-US')} events, batches of ${batchSize}, ${inFlight} batches in flight, ${runners.length} subscriptions`,
    );
    resetSqlStats();
    const cpuStart = cpuMark();
    const startMicros = monotonicMicros();
    const started = performance.now();
    const deadline = started + timeoutMs;
    const batches = Math.ceil(total / batchSize);
    let next = 0;
    let published = 0;
    let nextReport = started + 5_000;
    const publisher = async () => {
      while (next < batches && performance.now() < deadline) {
        const index = next++;
        const size = Math.min(batchSize, total - index * batchSize);
        const stored = await publishBatch(batch(index * batchSize, size));
        published += stored.length;
        lastPosition = Math.max(
          lastPosition,
          stored[stored.length - 1].position,
        );
        if (performance.now() >= nextReport) {
          nextReport += 5_000;
          progress(
            BENCH,
            `${published.toLocaleString('en-US')} committed, slowest subscription at ${lowest().toLocaleString('en-US')}, rss ${megabytes(process.memoryUsage().rss)} MB`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: inFlight }, publisher));
    const committedMs = performance.now() - started;

    const head = lastPosition;
    const reachedHead = await pollUntil(
      () => runners.every((runner) => runner.snapshot.position >= head),
      Math.max(0, deadline - performance.now()),
      5,
    );
    const handledMs = performance.now() - started;
    const endMicros = monotonicMicros();
    const cpu = cpuShare(cpuStart);
    memory.stop();
    const statements = withSqlStats ? sqlStats() : undefined;

    // The checkpoints as stored, not just as held in memory.
    const persisted = await pollUntil(
      async () => {
        const states = await checkpoints.loadAll();
        return SINK_NAMES.every(
          (name) => (states.get(name)?.position ?? 0) >= head,
        );
      },
      10_000,
      20,
    );
    const persistedMs = performance.now() - started;

    const result = {
      benchmark: BENCH,
      events: total,
      published,
      complete: published === total && reachedHead,
      batchSize,
      inFlight,
      subscriptions: runners.map((runner) => runner.definition.name),
      committedMs: Math.round(committedMs),
      committedPerSec: published / (committedMs / 1000),
      handledMs: Math.round(handledMs),
      eventsPerSec: published / (handledMs / 1000),
      checkpointsPersisted: persisted,
      checkpointsPersistedMs: Math.round(persistedMs),
      delivered: [...sinks.seen],
      maxLag,
      cpuShare: cpu,
      baselineRssMb: megabytes(baselineRss),
      peakRssMb: megabytes(memory.peakRss),
      peakHeapUsedMb: megabytes(memory.peakHeapUsed),
      rssSamples: memory.samples,
      window: { startMicros, endMicros },
      statements,
    };
    progress(
      BENCH,
      `committed ${Math.round(result.committedPerSec)} events/s; committed and handled by all ${runners.length}: ${Math.round(result.eventsPerSec)} events/s; peak RSS ${result.peakRssMb} MB`,
    );
    emitResult(result);
  } finally {
    await app.close();
    scratch.cleanup();
  }
}

runMain(BENCH, main);
