import { fileURLToPath } from 'node:url';
import {
  credentials,
  loadPackageDefinition,
  Metadata,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Pool } from 'undici';
import { EVENTS_PROTO_LOADER, eventsProtoPath } from '../src/events/index.js';
import { freePort } from '../test/support/free-port.js';
import { BenchChild } from './support/child.js';
import { intEnv } from './support/env.js';
import { emitResult, progress, runMain } from './support/report.js';
import { createScratch } from './support/scratch.js';
import { median } from './support/stats.js';
import { within } from './support/time.js';

/**
 * gRPC Publish against HTTP POST /events on the same application (bench/http-server.ts with
 * the gRPC service on), one small event per call, BENCH_GRPC_CONCURRENCY calls in flight,
 * BENCH_GRPC_EVENTS events per run. Both clients run in this process: undici with one
 * keep-alive connection per concurrent caller, grpc-js on one HTTP/2 channel (its default).
 * Sides alternate for BENCH_GRPC_ROUNDS rounds; each side's median rate is reported.
 */
const BENCH = 'grpc';
const events = intEnv('BENCH_GRPC_EVENTS', 20_000);
const concurrency = intEnv('BENCH_GRPC_CONCURRENCY', 64);
const rounds = intEnv('BENCH_GRPC_ROUNDS', 3);
const timeoutMs = intEnv('BENCH_TIMEOUT_MS', 600_000);

const EVENT = {
  type: 'invoice.issued',
  data: { invoiceId: 'i-1', amount: 42 },
};
const apiKey = process.env.API_KEY;

type Side = 'http' | 'grpc';
type Publish = () => Promise<void>;

interface Run {
  side: Side;
  events: number;
  seconds: number;
  eventsPerSec: number;
}

/** `count` calls of `publish`, `concurrency` at a time; every call must succeed. */
async function drive(
  side: Side,
  publish: Publish,
  count: number,
): Promise<Run> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      next++;
      await publish();
    }
  };
  await within(
    Promise.all(Array.from({ length: concurrency }, worker)),
    timeoutMs,
    `${count} ${side} publishes`,
  );
  const seconds = (performance.now() - started) / 1000;
  return { side, events: count, seconds, eventsPerSec: count / seconds };
}

function httpPublisher(pool: Pool): Publish {
  const body = JSON.stringify(EVENT);
  const headers = {
    'content-type': 'application/json',
    ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
  };
  return async () => {
    const response = await pool.request({
      path: '/events',
      method: 'POST',
      headers,
      body,
    });
    await response.body.dump();
    if (response.statusCode !== 201)
      throw new Error(`POST /events answered ${response.statusCode}`);
  };
}

type PublishClient = {
  Publish(
    request: object,
    metadata: Metadata,
    callback: (error: ServiceError | null) => void,
  ): void;
  close(): void;
};

function grpcClient(port: number): PublishClient {
  const definition = loadSync(eventsProtoPath(), EVENTS_PROTO_LOADER);
  const v1 = (loadPackageDefinition(definition).events as GrpcObject)
    .v1 as GrpcObject;
  const Service = v1.EventService as ServiceClientConstructor;
  return new Service(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
  ) as unknown as PublishClient;
}

function grpcPublisher(client: PublishClient): Publish {
  const metadata = new Metadata();
  if (apiKey) metadata.set('authorization', `Bearer ${apiKey}`);
  const request = {
    events: [{ type: EVENT.type, json_data: JSON.stringify(EVENT.data) }],
  };
  return () =>
    new Promise((resolve, reject) =>
      client.Publish(request, metadata, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
}

runMain(BENCH, async () => {
  const scratch = createScratch(BENCH);
  const grpcPort = await freePort();
  const server = BenchChild.start(
    fileURLToPath(new URL('./http-server.js', import.meta.url)),
    {
      label: 'server',
      env: {
        BENCH_DB_PATH: scratch.databasePath(),
        BENCH_GRPC_PORT: String(grpcPort),
      },
    },
  );
  let httpPool: Pool | undefined;
  let client: PublishClient | undefined;
  try {
    const { port } = await server.waitFor('listening', 60_000);
    httpPool = new Pool(`http://127.0.0.1:${port as number}`, {
      connections: concurrency,
    });
    client = grpcClient(grpcPort);
    const sides: Record<Side, Publish> = {
      http: httpPublisher(httpPool),
      grpc: grpcPublisher(client),
    };
    // Warm-up: connections, JIT and the SQLite page cache for both sides.
    for (const side of ['http', 'grpc'] as const)
      await drive(side, sides[side], Math.min(2_000, events));

    const runs: Run[] = [];
    for (let round = 0; round < rounds; round++) {
      const order: Side[] =
        round % 2 === 0 ? ['http', 'grpc'] : ['grpc', 'http'];
      for (const side of order) {
        const run = await drive(side, sides[side], events);
        runs.push(run);
        progress(
          BENCH,
          `round ${round + 1} ${side}: ${Math.round(run.eventsPerSec)} events/s`,
        );
      }
    }
    const rate = (side: Side) =>
      median(
        runs.filter((run) => run.side === side).map((r) => r.eventsPerSec),
      );
    const http = rate('http');
    const grpc = rate('grpc');
    emitResult({
      benchmark: BENCH,
      events,
      concurrency,
      rounds,
      httpEventsPerSec: Math.round(http),
      grpcEventsPerSec: Math.round(grpc),
      grpcToHttp: Number((grpc / http).toFixed(2)),
      runs,
    });
  } finally {
    client?.close();
    await httpPool?.close();
    await server.stop();
    scratch.cleanup();
  }
});
