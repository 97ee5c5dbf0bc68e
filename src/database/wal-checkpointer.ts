import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker copies what the WAL holds into the database file. */
const CHECKPOINT_INTERVAL_MS = 100;
const STOP_TIMEOUT_MS = 5_000;

/**
 * Pages the WAL may hold before the writer checkpoints by itself after a commit, as SQLite
 * does by default every 1,000. A fallback: the worker keeps the WAL well below it, but SQLite
 * only starts the WAL over from its beginning when a write begins after a checkpoint that left
 * nothing behind, which under a steady stream of commits the worker seldom sees. About 40 MB.
 */
export const WRITER_CHECKPOINT_FALLBACK_PAGES = 10_000;

/** Slots of the counters the worker keeps in memory shared with the main thread. */
const SLOTS = {
  passed: 0,
  failed: 1,
  walFrames: 2,
  checkpointedFrames: 3,
  lastPassedAtMs: 4,
} as const;

// CommonJS, evaluated by the worker: it cannot load this project's modules (under Vitest they
// are TypeScript), only better-sqlite3 by its resolved path. Counters go to shared memory (read
// when /metrics is scraped); a message goes out only when passes start failing or succeed
// again, so a failing disk makes one log line, not ten a second.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.library);
const slots = workerData.slots;
const counters = new BigInt64Array(workerData.counters);
let db;
let failing = false;
let failedInARow = 0;
function close() {
  try { if (db) db.close(); } catch { /* closing a broken connection */ }
  db = undefined;
}
function checkpoint() {
  try {
    if (!db) {
      db = new Database(workerData.path, { fileMustExist: true, timeout: 0 });
      db.pragma('synchronous = ' + workerData.synchronous);
    }
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    Atomics.store(counters, slots.walFrames, BigInt(result.log));
    Atomics.store(counters, slots.checkpointedFrames, BigInt(result.checkpointed));
    Atomics.store(counters, slots.lastPassedAtMs, BigInt(Date.now()));
    Atomics.add(counters, slots.passed, 1n);
    if (failing) parentPort.postMessage({ recoveredAfter: failedInARow });
    failing = false;
    failedInARow = 0;
  } catch (error) {
    // A storage fault is the writer's to report (503, paused subscriptions); here the next
    // pass tries again on a fresh connection, and the WAL keeps every commit meanwhile.
    close();
    Atomics.add(counters, slots.failed, 1n);
    failedInARow += 1;
    if (!failing) {
      failing = true;
      const code = error && typeof error.code === 'string' ? error.code : 'unknown';
      parentPort.postMessage({ failed: code, message: String(error && error.message) });
    }
  }
}
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  close();
  parentPort.close();
});
`;

/** What the checkpoint passes have done since the worker started. */
export interface WalCheckpointStats {
  /** Passes that ran to the end, and passes that threw (I/O error, full disk, ...). */
  readonly passes: { readonly ok: number; readonly failed: number };
  /** Frames in the WAL at the last pass that ran, and how many of them it had copied. */
  readonly walFrames: number;
  readonly checkpointedFrames: number;
  /** When a pass last ran to the end; undefined before the first. */
  readonly lastPassedAt: Date | undefined;
}

/** Told once when passes start failing, and once when one runs again. */
export interface WalCheckpointWatcher {
  failing(code: string, message: string): void;
  recovered(failedPasses: number): void;
}

type WorkerMessage =
  { failed: string; message: string } | { recoveredAfter: number };

/**
 * SQLite in WAL mode: copies committed pages from the WAL into the database file on a worker
 * thread of its own, with a connection of its own (a PASSIVE checkpoint: it never waits for
 * the writer, nor the writer for it). Left to SQLite, the COMMIT that takes the WAL past 1,000
 * pages also copies them and syncs the database file, on the event loop: in a 300k-event
 * throughput run that was a third of the time COMMIT held the loop. Durability does not depend
 * on it: a commit is durable once its WAL frames are synced, which the writer still does.
 */
export class WalCheckpointer {
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    private readonly counters: BigInt64Array,
  ) {
    this.exited = new Promise((resolve) =>
      worker.once('exit', () => resolve()),
    );
  }

  static start(
    path: string,
    synchronous: 'full' | 'normal',
    watcher: WalCheckpointWatcher,
  ): WalCheckpointer {
    const library = createRequire(import.meta.url).resolve('better-sqlite3');
    const shared = new SharedArrayBuffer(
      Object.keys(SLOTS).length * BigInt64Array.BYTES_PER_ELEMENT,
    );
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        library,
        path,
        synchronous: synchronous.toUpperCase(),
        intervalMs: CHECKPOINT_INTERVAL_MS,
        slots: SLOTS,
        counters: shared,
      },
    });
    worker.on('message', (message: WorkerMessage) => {
      if ('failed' in message) watcher.failing(message.failed, message.message);
      else watcher.recovered(message.recoveredAfter);
    });
    // If the worker fails, the writer's own checkpoints (the fallback above) bound the WAL.
    worker.on('error', () => undefined);
    // A process that ends without closing the application is not kept alive by its timer.
    worker.unref();
    return new WalCheckpointer(worker, new BigInt64Array(shared));
  }

  stats(): WalCheckpointStats {
    const read = (slot: number) => Number(Atomics.load(this.counters, slot));
    const lastPassedAtMs = read(SLOTS.lastPassedAtMs);
    return {
      passes: { ok: read(SLOTS.passed), failed: read(SLOTS.failed) },
      walFrames: read(SLOTS.walFrames),
      checkpointedFrames: read(SLOTS.checkpointedFrames),
      lastPassedAt: lastPassedAtMs === 0 ? undefined : new Date(lastPassedAtMs),
    };
  }

  /**
   * Stops the worker once any pass under way is done, its connection closed; a pass stuck on
   * a disk that does not answer is cut short after STOP_TIMEOUT_MS.
   */
  async stop(): Promise<void> {
    this.worker.postMessage('stop');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), STOP_TIMEOUT_MS);
    });
    try {
      if ((await Promise.race([this.exited, late])) === 'late')
        await this.worker.terminate();
    } finally {
      clearTimeout(timer);
    }
  }
}
