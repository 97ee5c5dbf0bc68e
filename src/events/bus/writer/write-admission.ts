import {
  BatchTooLargeError,
  BufferFullError,
  ShuttingDownError,
  StorageUnavailableError,
} from '../../errors/bus-unavailable.error.js';
import type { StorageHealth } from './storage-health.js';
import type { SubmitOptions } from './submit-options.js';

/**
 * The writer's door. At most event.bus.buffer_size events are accepted and not yet settled, so
 * a flood of publishes costs bounded memory: beyond that callers wait for room or are refused.
 * Work is also refused here, before it is queued, while the writer shuts down or the storage is
 * faulted, so that nobody waits on a commit that cannot happen.
 */
export class WriteAdmission {
  /** Events (or units) accepted and not yet settled, committed or not. */
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private accepting = true;
  private closed = false;
  /** A request heavier than the whole buffer could never be admitted: it is refused at once. */
  private readonly maxBatch: number;

  constructor(
    private readonly capacity: number,
    maxBatch: number,
    private readonly health: StorageHealth,
  ) {
    this.maxBatch = Math.min(maxBatch, capacity);
  }

  /** Events and units accepted but not yet committed: what buffer_size bounds. */
  get pending(): number {
    return this.inFlight;
  }

  /** Resolves once `weight` events fit in the buffer and counts them; throws when refused. */
  async admit(weight: number, options: SubmitOptions): Promise<void> {
    const refused = () =>
      this.closed || (!this.accepting && !options.duringShutdown);
    if (refused()) throw new ShuttingDownError();
    if (weight > this.maxBatch)
      throw new BatchTooLargeError(weight, this.maxBatch);
    const fault = this.health.current;
    if (fault) throw new StorageUnavailableError(fault.cause);
    while (this.inFlight + weight > this.capacity) {
      if (options.whenFull === 'reject')
        throw new BufferFullError(this.capacity);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      // Shutdown wakes every waiter: the room it hoped for will not come.
      if (refused()) throw new ShuttingDownError();
    }
    this.inFlight += weight;
  }

  /** A group was settled: its events leave the buffer and every waiting caller looks again. */
  release(weight: number): void {
    this.inFlight -= weight;
    this.wakeAll();
  }

  /** First step of shutdown: only work marked duringShutdown is still admitted. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Last step of shutdown: nothing is admitted any more, and waiting callers are refused. */
  close(): void {
    this.closed = true;
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}
