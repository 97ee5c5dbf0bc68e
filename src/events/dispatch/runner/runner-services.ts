import type { GroupCommitWriter } from '../../bus/writer/group-commit-writer.js';
import type { Transaction } from '../../bus/transaction.js';
import type { LogCursor } from '../../store/event-cursor.js';
import type { DeadLetterStore } from '../../store/dead-letter-store.js';
import type { StoredEvent } from '../../store/stored-event.js';
import type { SubscriptionStore } from '../../store/subscription-store.js';
import type { DeliveryLog } from '../delivery-log.js';
import type { HandlerInvoker } from '../handler-invoker.js';
import type { SubscriptionDefinition } from '../subscription-definition.js';
import type { WorkerPool } from '../worker-pool.js';
import type { Checkpoint } from './checkpoint.js';

/** What the dispatcher gives every runner. */
export interface RunnerDependencies {
  /** Settled events after a cursor: from the in-memory tail when it covers it, else the store. */
  readEvents(after: LogCursor, limit: number): Promise<StoredEvent[]>;
  /** Newest settled cursor known to this process. */
  head(): LogCursor;
  writer: GroupCommitWriter;
  subscriptions: SubscriptionStore;
  deadLetters: DeadLetterStore;
  workers: WorkerPool;
  log: DeliveryLog;
  onDeadLettered(
    subscription: string,
    event: StoredEvent,
    attempts: number,
    error: Error,
  ): void;
}

/** What one runner shares with its delivery strategies. */
export interface RunnerServices {
  readonly definition: SubscriptionDefinition;
  readonly invoker: HandlerInvoker;
  readonly checkpoint: Checkpoint;
  readonly deps: RunnerDependencies;
  matches(type: string): boolean;
  /** Throws StopRequested once the runner is stopping. */
  assertRunning(): void;
  get stopping(): boolean;
  /**
   * Commits `work` through the writer. Checkpoints and dead letters must still be written
   * while the application shuts down; no unit time limit, since every handler call inside is
   * bounded by the subscription's own timeout.
   */
  commit(work: (tx: Transaction) => Promise<void>): Promise<void>;
  /** Waits `ms` (cut short by a stop) with the worker slot given back meanwhile. */
  pauseOutsidePool(ms: number): Promise<void>;
}
