import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { distribution } from './stats.js';

export interface RawInsertRun {
  seconds: number;
  rows: number;
  statements: number;
  rowsPerSec: number;
  latencyP50: number;
  latencyP99: number;
  errors: number;
}

interface Waiting {
  row: [string, string, string];
  done: (error?: Error) => void;
}

/**
 * The plain table the raw baseline writes: the columns a stored event needs at the least, with
 * a position from a sequence, as an application without any platform would have it.
 */
export const RAW_TABLE_SQL = `CREATE TABLE raw_events (
  position bigserial PRIMARY KEY,
  id uuid NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * The raw-driver baseline: `callers` concurrent callers each insert one row and wait for its
 * commit, then the next, for `seconds`. Rows waiting are grouped: each free connection of a
 * pool of `poolSize` takes up to `maxBatch` of them into one multi-row INSERT (one implicit
 * transaction), which is how a hand-written batching writer on `pg` would do it. Latency is
 * measured per row, from the call to its commit.
 */
export async function rawBatchedInserts(options: {
  url: string;
  type: string;
  data: string;
  callers: number;
  poolSize: number;
  maxBatch: number;
  seconds: number;
  /** Called once the load is over, before the pool's connections close. */
  beforeClose?: () => Promise<void>;
}): Promise<RawInsertRun> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
  });
  const queue: Waiting[] = [];
  let busy = 0;
  let statements = 0;
  let errors = 0;
  const latencies: number[] = [];

  const flush = (): void => {
    while (busy < options.poolSize && queue.length > 0) {
      const batch = queue.splice(0, options.maxBatch);
      busy++;
      const values: string[] = [];
      const params: string[] = [];
      for (const { row } of batch) {
        const n = params.length;
        values.push(`($${n + 1}, $${n + 2}, $${n + 3}::jsonb)`);
        params.push(...row);
      }
      pool
        .query(
          `INSERT INTO raw_events (id, type, data) VALUES ${values.join(', ')}`,
          params,
        )
        .then(
          () => {
            statements++;
            for (const waiting of batch) waiting.done();
          },
          (error: Error) => {
            for (const waiting of batch) waiting.done(error);
          },
        )
        .finally(() => {
          busy--;
          flush();
        });
    }
  };

  const insert = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const enqueued = performance.now();
      queue.push({
        row: [randomUUID(), options.type, options.data],
        done: (error) => {
          if (error) return reject(error);
          latencies.push(performance.now() - enqueued);
          resolve();
        },
      });
      // Rows arriving in the same tick join one batch.
      if (queue.length === 1) queueMicrotask(flush);
    });

  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const caller = async (): Promise<void> => {
    while (performance.now() < deadline) {
      try {
        await insert();
      } catch {
        errors++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.callers }, caller));
    await options.beforeClose?.();
  } finally {
    await pool.end();
  }
  const elapsed = (performance.now() - started) / 1000;
  const latency = distribution(latencies);
  return {
    seconds: elapsed,
    rows: latencies.length,
    statements,
    rowsPerSec: latencies.length / elapsed,
    latencyP50: latency.p50,
    latencyP99: latency.p99,
    errors,
  };
}
