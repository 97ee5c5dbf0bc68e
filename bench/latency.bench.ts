import 'reflect-metadata';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CommitFeed } from '../src/events/bus/commit-feed.js';
import { EventBus } from '../src/events/bus/event-bus.js';
import {
  LATENCY_EVENT,
  LatencyProbe,
  LatencyProbeModule,
  type LatencyData,
} from './modules/latency-probe.module.js';
import { startEventKernel } from './modules/event-kernel.module.js';
import { benchConfig } from './support/config.js';
import { intEnv } from './support/env.js';
import { emitResult, progress, runMain } from './support/report.js';
import { createScratch, type Scratch } from './support/scratch.js';
import { cpuMark, cpuShare, distribution } from './support/stats.js';
import { pollUntil, sleep } from './support/time.js';

/**
 * Events published one by one at a steady BENCH_LATENCY_RATE per second (default 2,000) for
 * BENCH_LATENCY_SECONDS (default 10), after a one-second warm-up at the same rate, with one
 * durable subscription. Reports the time from the publish() call to the handler's start, split
 * at the commit notification, and the publisher's acknowledgement time. Runs with the shipped
 * durability (synchronous = FULL), then once more with synchronous = NORMAL for comparison
 * (BENCH_LATENCY_MODES=full to skip it).
 */
const BENCH = 'latency';
const rate = intEnv('BENCH_LATENCY_RATE', 2_000);
const seconds = intEnv('BENCH_LATENCY_SECONDS', 10);
const warmupSeconds = 1;
const maxOutstanding = 10_000;
const modes = (process.env.BENCH_LATENCY_MODES ?? 'full,normal')
  .split(',')
  .map((mode) => mode.trim())
  .filter((mode): mode is Synchronous => mode === 'full' || mode === 'normal');

type Synchronous = 'full' | 'normal';

async function main(): Promise<void> {
  const scratch = createScratch(BENCH);
  try {
    const runs: Record<string, object> = {};
    for (const mode of modes) runs[mode] = await measure(scratch, mode);
    emitResult({ benchmark: BENCH, rate, seconds, ...runs });
  } finally {
    scratch.cleanup();
  }
}

async function measure(scratch: Scratch, synchronous: Synchronous) {
  const app = await startEventKernel(
    benchConfig(scratch.databasePath(synchronous), {
      database: { synchronous },
    }),
    [LatencyProbeModule],
  );
  try {
    const bus = app.get(EventBus);
    const probe = app.get(LatencyProbe);
    const warmup = rate * warmupSeconds;
    const total = warmup + rate * seconds;
    probe.reset(total);
    const publishedAt = new Float64Array(total).fill(Number.NaN);
    const committedAt = new Float64Array(total).fill(Number.NaN);
    const acknowledgedAt = new Float64Array(total).fill(Number.NaN);
    app.get(CommitFeed, { strict: false }).subscribe((events) => {
      const now = performance.now();
      for (const event of events) {
        const { n } = event.data as LatencyData;
        if (n < total) committedAt[n] = now;
      }
    });

    const loop = monitorEventLoopDelay({ resolution: 1 });
    progress(
      BENCH,
      `synchronous=${synchronous}: ${rate} events/s for ${seconds} s after a ${warmupSeconds} s warm-up, one subscription`,
    );
    let sent = 0;
    let outstanding = 0;
    let failures = 0;
    let measuring = false;
    let cpu = cpuMark();
    const started = performance.now();
    const end = started + (warmupSeconds + seconds) * 1000 + 5_000;
    while (sent < total && performance.now() < end) {
      if (sent >= warmup && !measuring) {
        measuring = true;
        cpu = cpuMark();
        loop.enable();
      }
      const due = Math.min(
        total,
        Math.floor(((performance.now() - started) * rate) / 1000) + 1,
      );
      while (sent < due && outstanding < maxOutstanding) {
        const n = sent++;
        const t = performance.now();
        publishedAt[n] = t;
        outstanding++;
        bus
          .publish({
            type: LATENCY_EVENT,
            data: { n, t } satisfies LatencyData,
          })
          .then(
            () => (acknowledgedAt[n] = performance.now()),
            () => failures++,
          )
          .finally(() => outstanding--);
      }
      await sleep(1);
    }
    const publishMs = performance.now() - started;
    const cpuDuringRun = cpuShare(cpu);
    await pollUntil(
      () => probe.delivered >= sent && outstanding === 0,
      10_000,
      5,
    );
    loop.disable();

    const toHandler: number[] = [];
    const toCommit: number[] = [];
    const commitToHandler: number[] = [];
    const toAck: number[] = [];
    for (let n = warmup; n < sent; n++) {
      const start = probe.startedAt[n];
      if (!Number.isNaN(start)) toHandler.push(start - publishedAt[n]);
      if (!Number.isNaN(committedAt[n])) {
        toCommit.push(committedAt[n] - publishedAt[n]);
        if (!Number.isNaN(start)) commitToHandler.push(start - committedAt[n]);
      }
      if (!Number.isNaN(acknowledgedAt[n]))
        toAck.push(acknowledgedAt[n] - publishedAt[n]);
    }
    const handler = distribution(toHandler);
    const result = {
      synchronous,
      measured: sent - warmup,
      delivered: toHandler.length,
      failures,
      achievedRate: sent / (publishMs / 1000),
      cpuShare: cpuDuringRun,
      publishToHandler: handler,
      publishToCommit: distribution(toCommit),
      commitToHandler: distribution(commitToHandler),
      publishToAck: distribution(toAck),
      eventLoopDelay: {
        p50: loop.percentile(50) / 1e6,
        p99: loop.percentile(99) / 1e6,
        max: loop.max / 1e6,
      },
    };
    progress(
      BENCH,
      `synchronous=${synchronous}: publish -> handler start: p50 ${handler.p50.toFixed(2)} ms, p99 ${handler.p99.toFixed(2)} ms, max ${handler.max.toFixed(2)} ms (${handler.count} events)`,
    );
    return result;
  } finally {
    await app.close();
  }
}

runMain(BENCH, main);
