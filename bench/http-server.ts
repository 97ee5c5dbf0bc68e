import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app.factory.js';
import { Dispatcher } from '../src/events/dispatch/dispatcher.js';
import { benchConfig } from './support/config.js';
import { intEnv, requireEnv } from './support/env.js';
import {
  installSqlStats,
  resetSqlStats,
  sqlStats,
} from './support/sql-stats.js';
import { cpuMark, monotonicMicros } from './support/stats.js';

/**
 * The application as `npm start` builds it, listening on 127.0.0.1 (with the gRPC service when
 * BENCH_GRPC_PORT is set). Driven over IPC by the gRPC benchmark: it reports its port, answers subscription
 * lag queries and shuts down on request, when the parent goes away, or after
 * BENCH_SERVER_MAX_MS at the latest.
 */
interface Command {
  id?: number;
  type: string;
}

const send = (message: object) => process.send?.(message);

if (process.env.BENCH_SQL_STATS === '1') installSqlStats();

// BENCH_GRPC_PORT: serve the gRPC EventService too, on that 127.0.0.1 port (grpc benchmark).
const grpcPort = intEnv('BENCH_GRPC_PORT', 0);
const config = benchConfig(requireEnv('BENCH_DB_PATH'), {
  server: { host: '127.0.0.1', port: 0 },
  grpc: { enabled: grpcPort > 0, host: '127.0.0.1', port: grpcPort },
});
const app = await createApp(config);
await app.startAllMicroservices();
await app.listen({ port: 0, host: '127.0.0.1' });
const dispatcher = app.get(Dispatcher);
const { port } = app.getHttpServer().address() as AddressInfo;

let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(code || 2), 15_000);
  force.unref();
  try {
    await app.close();
  } finally {
    // A normal exit, not a signal: node --cpu-prof writes its profile now.
    process.exit(code);
  }
}

const lifetime = setTimeout(
  () => void shutdown(3),
  intEnv('BENCH_SERVER_MAX_MS', 15 * 60_000),
);
lifetime.unref();
process.on('disconnect', () => void shutdown(0));
process.on('message', (command: Command) => {
  switch (command.type) {
    case 'lag':
      send({
        id: command.id,
        type: 'lag',
        head: dispatcher.head,
        subscriptions: dispatcher.all.map((runner) => ({
          name: runner.definition.name,
          position: runner.snapshot.position,
        })),
      });
      break;
    case 'clock':
      send({ id: command.id, type: 'clock', micros: monotonicMicros() });
      break;
    case 'cpu':
      send({ id: command.id, type: 'cpu', mark: cpuMark() });
      break;
    case 'sql-stats':
      send({ id: command.id, type: 'sql-stats', statements: sqlStats() });
      break;
    case 'sql-stats-reset':
      resetSqlStats();
      send({ id: command.id, type: 'sql-stats-reset' });
      break;
    case 'stop':
      void shutdown(0);
      break;
  }
});
send({ type: 'listening', port, pid: process.pid });
