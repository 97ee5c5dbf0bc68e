import type { Logger } from '@nestjs/common';
import { isStorageFault } from '../../../database/storage-fault.js';
import type { StorageProbe } from '../../store/storage-probe.js';
import type { Queued } from './queued-work.js';
import type { StorageHealth } from './storage-health.js';

// While writes fail, the writer tries a tiny write this often (doubling up to the maximum).
const PROBE_FIRST_MS = 200;
const PROBE_MAX_MS = 5_000;

/**
 * How the writer finds out that the disk takes writes again. While the storage is faulted all
 * new work is refused, so no traffic would ever test it: instead a probe write is retried, with
 * pauses growing from 200 ms to 5 s, until one commits. Any commit that succeeds, the probe's or
 * another group's, clears the fault.
 */
export class RecoveryProbe {
  private timer: NodeJS.Timeout | undefined;
  private delayMs = PROBE_FIRST_MS;
  private stopped = false;

  constructor(
    private readonly enqueue: (item: Queued) => void,
    private readonly probe: StorageProbe,
    private readonly health: StorageHealth,
    private readonly unitTimeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** Probes after the current pause, unless a probe is already due or the writer is closed. */
  schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, this.delayMs);
    this.timer.unref();
    this.delayMs = Math.min(this.delayMs * 2, PROBE_MAX_MS);
  }

  /**
   * A real write (one row rewritten) in the writer's own transaction, queued like any unit so
   * it never overlaps a group. Success clears the fault and lets publishers and paused
   * subscriptions go on. Resolves once the probe has been committed or refused.
   */
  run(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((settled) => {
      // Weight 0 and no admission: the probe must run while the buffer is full or refusing.
      this.enqueue({
        kind: 'unit',
        weight: 0,
        timeoutMs: this.unitTimeoutMs,
        context: undefined,
        work: (tx) => this.probe.touch(tx.queryRunner),
        resolve: () => settled(),
        reject: (error) => {
          if (isStorageFault(error)) {
            this.health.markFaulted(error.cause ?? error);
            this.schedule();
          } else {
            this.logger.error(`storage probe failed: ${error.message}`);
          }
          settled();
        },
      });
    });
  }

  /** A group committed: a faulted storage is healthy again, and the next fault probes afresh. */
  committed(): void {
    if (this.health.healthy) return;
    this.health.markHealthy();
    this.delayMs = PROBE_FIRST_MS;
    this.logger.log('the database takes writes again');
  }

  /** The writer closed: no probe is scheduled or run any more. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
