import { publicError } from '../../../common/errors/public-error.js';
import type { Transaction } from '../../bus/transaction.js';
import { compareCursors, type LogCursor } from '../../store/event-cursor.js';
import type { StoredEvent } from '../../store/stored-event.js';
import type {
  SubscriptionState,
  SubscriptionStore,
} from '../../store/subscription-store.js';

// A non-transactional subscription re-delivers at most this much work after a crash.
export const CHECKPOINT_INTERVAL_MS = 200;

/**
 * A subscription's position and counters in memory, and when they were last saved. Plain
 * deliveries move it in place and it is saved lazily (at most every CHECKPOINT_INTERVAL_MS);
 * transactional ones commit a draft with their writes and hand it back with `replace`.
 * Callers waiting for a position (synchronous publishing) are released as it passes them.
 */
export class Checkpoint {
  /** Bumped on every change of `state`; tells whether the saved checkpoint is stale. */
  private changes = 0;
  private savedChanges = 0;
  private lastSavedAt = 0;
  private waiters: { cursor: LogCursor; resolve: () => void }[] = [];

  constructor(
    private current: SubscriptionState,
    private readonly store: SubscriptionStore,
  ) {}

  get state(): Readonly<SubscriptionState> {
    return this.current;
  }

  get cursor(): LogCursor {
    return { txid: this.current.txid, position: this.current.position };
  }

  /** A copy to change and commit with handler writes, then pass to `replace`. */
  draft(): SubscriptionState {
    return { ...this.current };
  }

  get dirty(): boolean {
    return this.changes !== this.savedChanges;
  }

  /** Milliseconds until a lazy save is due (0 or less: due now). */
  get saveDueInMs(): number {
    return this.lastSavedAt + CHECKPOINT_INTERVAL_MS - Date.now();
  }

  processed(count = 1): void {
    this.current.processed += count;
    this.changes++;
  }

  failed(error: Error): void {
    this.current.failed++;
    this.current.lastError = publicError(error);
    this.current.lastErrorAt = new Date().toISOString();
    this.changes++;
  }

  /** The checkpoint moves past `event` (processed counters were updated in place). */
  moveTo(event: StoredEvent): void {
    passEvent(this.current, event);
    this.changes++;
    this.releaseWaiters();
  }

  /** Takes a state that was just committed together with handler writes (or a dead letter). */
  replace(committed: SubscriptionState): void {
    this.current = committed;
    this.changes++;
    this.savedChanges = this.changes;
    this.lastSavedAt = Date.now();
    this.releaseWaiters();
  }

  /** Writes the state in `tx` (with whatever else the unit writes). */
  write(tx: Transaction, state: SubscriptionState): Promise<void> {
    return this.store.save(tx.queryRunner, state);
  }

  /** Saves a stale checkpoint through `commit`; a failure is reported and retried later. */
  async save(
    commit: (work: (tx: Transaction) => Promise<void>) => Promise<void>,
  ): Promise<Error | undefined> {
    if (!this.dirty) return undefined;
    const snapshot = { ...this.current };
    const changes = this.changes;
    try {
      await commit((tx) => this.write(tx, snapshot));
      this.savedChanges = Math.max(this.savedChanges, changes);
      return undefined;
    } catch (error) {
      return error as Error;
    } finally {
      this.lastSavedAt = Date.now();
    }
  }

  /** Resolves once the checkpoint has passed `cursor`, or at releaseAll(). */
  reached(cursor: LogCursor): Promise<void> {
    if (compareCursors(this.cursor, cursor) >= 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ cursor, resolve }));
  }

  releaseAll(): void {
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  private releaseWaiters(): void {
    if (this.waiters.length === 0) return;
    const reached = this.cursor;
    this.waiters = this.waiters.filter((waiter) => {
      if (compareCursors(waiter.cursor, reached) > 0) return true;
      waiter.resolve();
      return false;
    });
  }
}

/** A checkpoint state (or draft) moves past `event`. */
export function passEvent(state: SubscriptionState, event: StoredEvent): void {
  // Runs once per event and subscription: no cursor object in between.
  state.txid = event.txid ?? 0;
  state.position = event.position;
}
