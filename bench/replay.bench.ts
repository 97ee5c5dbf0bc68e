import 'reflect-metadata';
import Database from 'better-sqlite3';
import { EventBus } from '../src/events/bus/event-bus.js';
import { ReplayService } from '../src/events/replay/replay.service.js';
import type { NewEvent } from '../src/events/store/new-event.js';
import type { StoredEvent } from '../src/events/store/stored-event.js';
import { startEventKernel } from './modules/event-kernel.module.js';
import {
  REPLAY_TARGET,
  ReplayTarget,
  ReplayTargetModule,
} from './modules/replay-target.module.js';
import { benchConfig } from './support/config.js';
import { intEnv } from './support/env.js';
import { emitResult, progress, runMain } from './support/report.js';
import { createScratch } from './support/scratch.js';
import { cpuMark, cpuShare, monotonicMicros } from './support/stats.js';

/**
 * BENCH_REPLAY_EVENTS stored events (default 1,000,000) replayed through ReplayService to one
 * no-op subscription, against a raw keyset scan of the same table with better-sqlite3 in the
 * same process: the storage speed a replay could reach at best. Raw scan, replay, raw scan
 * again, so neither side alone enjoys a warm page cache.
 */
const BENCH = 'replay';
const total = intEnv('BENCH_REPLAY_EVENTS', 1_000_000);
const fillBatch = 1_000;
const scanPage = 2_000;

function batch(first: number, size: number): NewEvent[] {
  return Array.from({ length: size }, (_, i) => ({
    type: i % 2 === 0 ? 'invoice.issued' : 'invoice.paid',
    data: { invoiceId: `i-${first + i}`, amount: 42 },
  }));
}

/** Reads every row of `events` in position order, page by page, as a replay must. */
function rawScan(path: string): { rows: number; ms: number } {
  const db = new Database(path, { readonly: true });
  try {
    const page = db.prepare(
      'SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?',
    );
    const started = performance.now();
    let after = 0;
    let rows = 0;
    for (;;) {
      const found = page.all(after, scanPage) as { position: number }[];
      if (found.length === 0) break;
      rows += found.length;
      after = found[found.length - 1].position;
    }
    return { rows, ms: performance.now() - started };
  } finally {
    db.close();
  }
}

async function fill(path: string): Promise<void> {
  const app = await startEventKernel(benchConfig(path));
  try {
    const bus = app.get(EventBus);
    const publishBatch = (events: NewEvent[]) =>
      bus.publish(events) as unknown as Promise<StoredEvent[]>;
    const batches = Math.ceil(total / fillBatch);
    let next = 0;
    const publisher = async () => {
      while (next < batches) {
        const index = next++;
        const size = Math.min(fillBatch, total - index * fillBatch);
        await publishBatch(batch(index * fillBatch, size));
      }
    };
    await Promise.all(Array.from({ length: 8 }, publisher));
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const scratch = createScratch(BENCH);
  const path = scratch.databasePath();
  try {
    progress(BENCH, `storing ${total.toLocaleString('en-US')} events`);
    await fill(path);

    const scanBefore = rawScan(path);
    progress(
      BENCH,
      `raw scan: ${scanBefore.rows} rows in ${Math.round(scanBefore.ms)} ms`,
    );

    const app = await startEventKernel(benchConfig(path), [ReplayTargetModule]);
    let replay;
    try {
      const replays = app.get(ReplayService);
      const target = app.get(ReplayTarget);
      const cpuStart = cpuMark();
      const startMicros = monotonicMicros();
      const started = performance.now();
      const job = await replays.start({ subscription: REPLAY_TARGET });
      const finished = await job.whenFinished();
      const ms = performance.now() - started;
      replay = {
        state: finished.state,
        delivered: finished.done,
        handlerCalls: target.seen,
        ms: Math.round(ms),
        eventsPerSec: finished.done / (ms / 1000),
        cpuShare: cpuShare(cpuStart),
        window: { startMicros, endMicros: monotonicMicros() },
      };
    } finally {
      await app.close();
    }
    progress(BENCH, `replay: ${replay.delivered} events in ${replay.ms} ms`);

    const scanAfter = rawScan(path);
    const rawMs = (scanBefore.ms + scanAfter.ms) / 2;
    const rawPerSec = scanBefore.rows / (rawMs / 1000);
    const result = {
      benchmark: BENCH,
      events: total,
      replay,
      rawScan: {
        rows: scanBefore.rows,
        msBefore: Math.round(scanBefore.ms),
        msAfter: Math.round(scanAfter.ms),
        rowsPerSec: rawPerSec,
      },
      ratio: replay.eventsPerSec / rawPerSec,
    };
    progress(
      BENCH,
      `replay ${Math.round(replay.eventsPerSec)} events/s, raw scan ${Math.round(rawPerSec)} rows/s: ${result.ratio.toFixed(2)}x`,
    );
    emitResult(result);
  } finally {
    scratch.cleanup();
  }
}

runMain(BENCH, main);
