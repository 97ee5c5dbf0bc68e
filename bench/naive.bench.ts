import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { createApp } from '../src/app.factory.js';
import { prepareSqliteConnection } from '../src/database/sqlite-connection.js';
import { EventBus } from '../src/events/bus/event-bus.js';
import { Dispatcher } from '../src/events/dispatch/dispatcher.js';
import { startEventKernel } from './modules/event-kernel.module.js';
import { BenchSinks, BenchSinksModule } from './modules/sinks.module.js';
import { NaiveEvent } from './modules/naive-event.entity.js';
import { benchConfig } from './support/config.js';
import { intEnv } from './support/env.js';
import { emitResult, progress, runMain } from './support/report.js';
import { createScratch, type Scratch } from './support/scratch.js';
import { cpuMark, cpuShare } from './support/stats.js';
import { pollUntil } from './support/time.js';

/**
 * The same number of single-event publishes at the same concurrency, two ways:
 *  - naive: one TypeORM repository.save (one INSERT in its own transaction) per event, then
 *    four handlers called inline, on a SQLite file with the same pragmas (WAL, synchronous FULL);
 *  - ours: EventBus.publish on the application built by createApp, with the same four
 *    handlers as durable subscriptions (next to the application's own subscriptions);
 *  - ours, platform only: the same on the event platform without the feature modules, so
 *    only the four handlers subscribe.
 */
const BENCH = 'naive';
const total = intEnv('BENCH_NAIVE_EVENTS', 10_000);
const concurrency = intEnv('BENCH_NAIVE_CONCURRENCY', 64);
const timeoutMs = intEnv('BENCH_TIMEOUT_MS', 10 * 60_000);

interface Side {
  events: number;
  ms: number;
  eventsPerSec: number;
  /** CPU time of this process per wall time while publishing. */
  cpuShare: number;
}

/** Runs `publish(i)` for i < total on `concurrency` workers; stops early at the deadline. */
async function drive(
  publish: (index: number) => Promise<void>,
): Promise<{ done: number; ms: number; cpuShare: number }> {
  const cpu = cpuMark();
  const started = performance.now();
  const deadline = started + timeoutMs;
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < total && performance.now() < deadline) {
      await publish(next++);
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { done, ms: performance.now() - started, cpuShare: cpuShare(cpu) };
}

/** One transaction at a time on the single SQLite connection. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

async function naive(scratch: Scratch): Promise<Side> {
  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database: scratch.databasePath('naive'),
    entities: [NaiveEvent],
    synchronize: true,
    logging: false,
    prepareDatabase: (db) =>
      prepareSqliteConnection(db, { synchronous: 'full' }),
  });
  await dataSource.initialize();
  try {
    const repository = dataSource.getRepository(NaiveEvent);
    const seen = [0, 0, 0, 0];
    const handlers = seen.map((_, index) => async (event: NaiveEvent) => {
      if (event.position > 0) seen[index]++;
    });
    // TypeORM's better-sqlite3 driver shares one QueryRunner, so overlapping save() calls
    // would join each other's transaction instead of each committing its own.
    const mutex = new Mutex();
    const { done, ms, cpuShare } = await drive(async (index) => {
      const id = uuidv7();
      const now = new Date().toISOString();
      const event = repository.create({
        id,
        type: 'invoice.issued',
        source: '/nest-event-starter',
        subject: null,
        datacontenttype: 'application/json',
        time: now,
        streamId: null,
        streamVersion: null,
        correlationId: id,
        causationId: null,
        data: JSON.stringify({ invoiceId: `i-${index}`, amount: 42 }),
        metadata: '{}',
        recordedAt: now,
      });
      const saved = await mutex.run(() => repository.save(event));
      for (const handler of handlers) await handler(saved);
    });
    const stored = await repository.count();
    if (stored !== done || seen.some((count) => count !== done)) {
      throw new Error(
        `naive side stored ${stored} and handled ${seen.join('/')} of ${done} events`,
      );
    }
    return {
      events: done,
      ms: Math.round(ms),
      eventsPerSec: done / (ms / 1000),
      cpuShare,
    };
  } finally {
    await dataSource.destroy();
  }
}

interface OurSide extends Side {
  handledMs: number;
  handledPerSec: number;
  subscriptions: string[];
}

async function ours(scratch: Scratch): Promise<OurSide> {
  const app = await createApp(benchConfig(scratch.databasePath('ours')), {
    imports: [BenchSinksModule],
  });
  await app.init();
  try {
    return await publishThrough(app);
  } finally {
    await app.close();
  }
}

async function oursPlatformOnly(scratch: Scratch): Promise<OurSide> {
  const app = await startEventKernel(
    benchConfig(scratch.databasePath('platform')),
    [BenchSinksModule],
  );
  try {
    return await publishThrough(app);
  } finally {
    await app.close();
  }
}

async function publishThrough(app: INestApplicationContext): Promise<OurSide> {
  const bus = app.get(EventBus);
  const dispatcher = app.get(Dispatcher);
  let last = 0;
  const started = performance.now();
  const { done, ms, cpuShare } = await drive(async (index) => {
    const stored = await bus.publish({
      type: 'invoice.issued',
      data: { invoiceId: `i-${index}`, amount: 42 },
    });
    last = Math.max(last, stored.position);
  });
  const reached = await pollUntil(
    () => dispatcher.all.every((runner) => runner.snapshot.position >= last),
    timeoutMs,
    5,
  );
  const handledMs = performance.now() - started;
  const sinks = app.get(BenchSinks);
  if (!reached || sinks.seen.some((count) => count < done)) {
    throw new Error(
      `our side: subscriptions did not all reach ${last}; sinks saw ${sinks.seen.join('/')}`,
    );
  }
  return {
    events: done,
    ms: Math.round(ms),
    eventsPerSec: done / (ms / 1000),
    cpuShare,
    handledMs: Math.round(handledMs),
    handledPerSec: done / (handledMs / 1000),
    subscriptions: dispatcher.all.map((runner) => runner.definition.name),
  };
}

function report(label: string, side: OurSide): void {
  progress(
    BENCH,
    `${label}: ${side.eventsPerSec.toFixed(0)} events/s acknowledged, ${side.handledPerSec.toFixed(0)} events/s handled by all ${side.subscriptions.length} subscriptions`,
  );
}

async function main(): Promise<void> {
  const scratch = createScratch(BENCH);
  try {
    progress(
      BENCH,
      `${total.toLocaleString('en-US')} single-event publishes, ${concurrency} concurrent publishers`,
    );
    const baseline = await naive(scratch);
    progress(
      BENCH,
      `naive save-per-event: ${baseline.eventsPerSec.toFixed(0)} events/s`,
    );
    const measured = await ours(scratch);
    report('EventBus.publish (createApp)', measured);
    const platform = await oursPlatformOnly(scratch);
    report('EventBus.publish (platform only)', platform);
    emitResult({
      benchmark: BENCH,
      events: total,
      concurrency,
      naive: baseline,
      ours: measured,
      ratio: measured.eventsPerSec / baseline.eventsPerSec,
      ratioHandled: measured.handledPerSec / baseline.eventsPerSec,
      platform,
      platformRatio: platform.eventsPerSec / baseline.eventsPerSec,
    });
  } finally {
    scratch.cleanup();
  }
}

runMain(BENCH, main);
