import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { connect, headers } from '@nats-io/transport-node';
import { EventBus } from '../src/events/bus/event-bus.js';
import { toCloudEvent } from '../src/events/cloudevents/cloud-event.mapper.js';
import { Dispatcher } from '../src/events/dispatch/dispatcher.js';
import { RELAY_SUBSCRIPTION } from '../src/events/nats/nats-relay.js';
import type { NewEvent } from '../src/events/store/new-event.js';
import type { StoredEvent } from '../src/events/store/stored-event.js';
import { startEventKernel } from './modules/event-kernel.module.js';
import { benchConfig } from './support/config.js';
import { intEnv } from './support/env.js';
import { emitResult, progress, runMain } from './support/report.js';
import { createScratch } from './support/scratch.js';
import { cpuMark, cpuShare } from './support/stats.js';

/**
 * BENCH_NATS_EVENTS stored events (default 100,000) relayed to NATS JetStream by the
 * `nats.relay` subscription (from its first start: the whole log), against a client that
 * publishes the very same messages (subject, CloudEvent body, Nats-Msg-Id) straight to a
 * stream of its own, pipelined like the relay (BENCH_NATS_WINDOW publishes in flight, the
 * relay's batch size) and awaiting every ack. Direct, relay, direct again; the directs' mean is
 * the reference. NATS at BENCH_NATS_URL (default nats://127.0.0.1:4222); the streams are
 * deleted afterwards.
 */
const BENCH = 'nats-relay';
const total = intEnv('BENCH_NATS_EVENTS', 100_000);
const window = intEnv('BENCH_NATS_WINDOW', 500);
const timeoutMs = intEnv('BENCH_TIMEOUT_MS', 600_000);
const url = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const fillBatch = 1_000;
const encoder = new TextEncoder();

function batch(first: number, size: number): NewEvent[] {
  return Array.from({ length: size }, (_, i) => ({
    type: i % 2 === 0 ? 'invoice.issued' : 'invoice.paid',
    data: { invoiceId: `i-${first + i}`, amount: 42 },
  }));
}

async function fill(path: string): Promise<StoredEvent[]> {
  const app = await startEventKernel(benchConfig(path));
  try {
    const bus = app.get(EventBus);
    const stored: StoredEvent[] = [];
    for (let first = 0; first < total; first += fillBatch) {
      const events = (await bus.publish(
        batch(first, Math.min(fillBatch, total - first)),
      )) as unknown as StoredEvent[];
      stored.push(...events);
    }
    return stored;
  } finally {
    await app.close();
  }
}

/** The client alone: the relay's messages, published with `window` acks outstanding. */
async function direct(
  js: JetStreamClient,
  jsm: JetStreamManager,
  events: StoredEvent[],
) {
  const stream = `BENCH_DIRECT_${randomUUID().slice(0, 8)}`;
  const prefix = stream.toLowerCase();
  await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`] });
  try {
    const cpuStart = cpuMark();
    const started = performance.now();
    for (let first = 0; first < events.length; first += window) {
      if (performance.now() - started > timeoutMs)
        throw new Error('direct publishing ran past BENCH_TIMEOUT_MS');
      await Promise.all(
        events.slice(first, first + window).map((event) => {
          const messageHeaders = headers();
          messageHeaders.set(
            'content-type',
            'application/cloudevents+json; charset=utf-8',
          );
          return js.publish(
            `${prefix}.${event.type}`,
            encoder.encode(JSON.stringify(toCloudEvent(event))),
            { msgID: event.id, headers: messageHeaders },
          );
        }),
      );
    }
    const ms = performance.now() - started;
    const { state } = await jsm.streams.info(stream);
    return {
      ms: Math.round(ms),
      eventsPerSec: events.length / (ms / 1000),
      cpuShare: cpuShare(cpuStart),
      stored: state.messages,
    };
  } finally {
    await jsm.streams.delete(stream).catch(() => undefined);
  }
}

/** The relay catching up on the whole log, from its start until its checkpoint is the head. */
async function relay(path: string, jsm: JetStreamManager, head: number) {
  const stream = `BENCH_RELAY_${randomUUID().slice(0, 8)}`;
  const config = benchConfig(path, {
    nats: {
      url,
      relay: {
        enabled: true,
        stream,
        subject_prefix: stream.toLowerCase(),
      },
    },
  });
  const cpuStart = cpuMark();
  const started = performance.now();
  const app = await startEventKernel(config);
  try {
    const dispatcher = app.get(Dispatcher);
    for (;;) {
      const position = dispatcher.runner(RELAY_SUBSCRIPTION)?.snapshot.position;
      if (position === head) break;
      if (performance.now() - started > timeoutMs)
        throw new Error(`the relay reached ${position} of ${head} in time`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const ms = performance.now() - started;
    const { state } = await jsm.streams.info(stream);
    return {
      ms: Math.round(ms),
      eventsPerSec: total / (ms / 1000),
      cpuShare: cpuShare(cpuStart),
      stored: state.messages,
    };
  } finally {
    await app.close();
    await jsm.streams.delete(stream).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const scratch = createScratch(BENCH);
  const path = scratch.databasePath();
  const connection = await connect({ servers: url, timeout: 2000 });
  try {
    const js = jetstream(connection);
    const jsm = await jetstreamManager(connection);
    progress(BENCH, `storing ${total.toLocaleString('en-US')} events`);
    const events = await fill(path);
    const head = events[events.length - 1].position;

    const before = await direct(js, jsm, events);
    progress(BENCH, `direct: ${before.stored} messages in ${before.ms} ms`);
    const relayed = await relay(path, jsm, head);
    progress(BENCH, `relay: ${relayed.stored} messages in ${relayed.ms} ms`);
    const after = await direct(js, jsm, events);
    progress(BENCH, `direct again: ${after.stored} messages in ${after.ms} ms`);

    const directMs = (before.ms + after.ms) / 2;
    const directPerSec = total / (directMs / 1000);
    const result = {
      benchmark: BENCH,
      events: total,
      window,
      relay: relayed,
      direct: {
        msBefore: before.ms,
        msAfter: after.ms,
        eventsPerSec: directPerSec,
        cpuShare: (before.cpuShare + after.cpuShare) / 2,
      },
      complete: relayed.stored === total,
      ratio: relayed.eventsPerSec / directPerSec,
    };
    progress(
      BENCH,
      `relay ${Math.round(relayed.eventsPerSec)} events/s, direct ${Math.round(directPerSec)} events/s: ${result.ratio.toFixed(2)}x`,
    );
    emitResult(result);
  } finally {
    await connection.close();
    scratch.cleanup();
  }
}

runMain(BENCH, main);
