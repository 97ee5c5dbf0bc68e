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

// CommonJS, evaluated by the worker: it cannot load this project's modules (under Vitest they
// are TypeScript), only better-sqlite3 by its resolved path.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.library);
let db;
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
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // A storage fault is the writer's to report (503, paused subscriptions); here the next
    // pass tries again on a fresh connection, and the WAL keeps every commit meanwhile.
    close();
  }
}
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  close();
  parentPort.close();
});
`;

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

  private constructor(private readonly worker: Worker) {
    this.exited = new Promise((resolve) =>
      worker.once('exit', () => resolve()),
    );
  }

  static start(path: string, synchronous: 'full' | 'normal'): WalCheckpointer {
    const library = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        library,
        path,
        synchronous: synchronous.toUpperCase(),
        intervalMs: CHECKPOINT_INTERVAL_MS,
      },
    });
    // If the worker fails, the writer's own checkpoints (the fallback above) bound the WAL.
    worker.on('error', () => undefined);
    // A process that ends without closing the application is not kept alive by its timer.
    worker.unref();
    return new WalCheckpointer(worker);
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
