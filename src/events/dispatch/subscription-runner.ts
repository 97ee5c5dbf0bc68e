import { Logger } from '@nestjs/common';
import { publicError } from '../../common/errors/public-error.js';
import type { GroupCommitWriter } from '../bus/group-commit-writer.js';
import type { Transaction } from '../bus/transaction.js';
import { isStorageFault } from '../../database/storage-fault.js';
import { StorageUnavailableError } from '../errors/bus-unavailable.error.js';
import { isPermanentFailure } from '../errors/handler-failures.js';
import type { DeadLetterStore } from '../store/dead-letter-store.js';
import type { StoredEvent } from '../store/stored-event.js';
import type {
  SubscriptionState,
  SubscriptionStore,
} from '../store/subscription-store.js';
import type { DeliveryLog } from './delivery-log.js';
import { HandlerInvoker } from './handler-invoker.js';
import { retryDelayMs } from './retry-policy.js';
import {
  matchesAny,
  type SubscriptionDefinition,
} from './subscription-definition.js';
import { WakeSignal } from './wake-signal.js';
import type { WorkerPool } from './worker-pool.js';

export interface RunnerDependencies {
  /** Committed events after a position: from the in-memory tail when it covers it, else the store. */
  readEvents(after: number, limit: number): Promise<StoredEvent[]>;
  /** Newest committed position known to this process. */
  head(): number;
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

export interface RetryState {
  eventId: string;
  position: number;
  /** The attempt that will run next. */
  attempt: number;
  nextAttemptAt: string;
}

const BATCH_SIZE = 500;
// Transactional slices hold the writer while their handlers run: keep them short.
const TRANSACTIONAL_SLICE = 100;
const SLICE_BUDGET_MS = 50;
// A non-transactional subscription re-delivers at most this much work after a crash.
const CHECKPOINT_INTERVAL_MS = 200;
const IDLE_WAIT_MS = 1_000;
const ERROR_BACKOFF_MS = 1_000;

class StopRequested extends Error {}

/**
 * The database could not be written while delivering: not the handler's failure. The
 * subscription pauses until the writer recovers and then delivers the same events again, with
 * no attempt counted and nothing parked.
 */
class StoragePause extends Error {
  constructor(readonly fault: unknown) {
    super('storage unavailable', { cause: fault });
  }
}

/** A handler failed inside a unit of work; thrown to roll the unit back. */
class HandlerFailure extends Error {
  constructor(
    /** Index of the failing event in the slice; -1 for a batch call. */
    readonly index: number,
    readonly failure: Error,
  ) {
    // The cause lets the writer tell a storage fault inside the handler from its own failure.
    super(failure.message, { cause: failure });
  }
}

/** A handler's failure, unless it was the storage's: then the subscription pauses instead. */
function handlerFailure(error: Error | undefined): Error | undefined {
  if (error !== undefined && isStorageFault(error))
    throw new StoragePause(error);
  return error;
}

/**
 * Runs one durable subscription: reads events after its checkpoint, hands the matching ones to
 * its handler in log order, retries failures with backoff, parks what keeps failing, and saves
 * its checkpoint. Non-transactional handlers get at-least-once delivery (the checkpoint is saved
 * every CHECKPOINT_INTERVAL_MS); transactional ones commit their writes with the checkpoint.
 */
export class SubscriptionRunner {
  private readonly logger: Logger;
  private readonly invoker: HandlerInvoker;
  private readonly signal = new WakeSignal();
  private stopping = false;
  private readonly stopRequested: Promise<void>;
  private requestStop!: () => void;
  private loop: Promise<void> = Promise.resolve();
  /** Bumped on every change of `state`; tells whether the saved checkpoint is stale. */
  private changes = 0;
  private savedChanges = 0;
  private lastSavedAt = 0;
  private positionWaiters: { position: number; resolve: () => void }[] = [];
  private retry: RetryState | undefined;

  constructor(
    readonly definition: SubscriptionDefinition,
    private state: SubscriptionState,
    private readonly deps: RunnerDependencies,
  ) {
    this.logger = new Logger(`Subscription ${definition.name}`);
    this.invoker = new HandlerInvoker(definition, deps.log);
    this.stopRequested = new Promise((resolve) => (this.requestStop = resolve));
  }

  get snapshot(): Readonly<SubscriptionState> {
    return this.state;
  }

  get retrying(): RetryState | undefined {
    return this.retry;
  }

  matches(type: string): boolean {
    return matchesAny(this.definition, type);
  }

  start(): void {
    this.loop = this.run();
  }

  /** New events were committed. */
  notify(): void {
    this.signal.set();
  }

  /** Resolves once the checkpoint has passed `position` (or the runner stopped). */
  reached(position: number): Promise<void> {
    if (this.state.position >= position || this.stopping) {
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.positionWaiters.push({ position, resolve }),
    );
  }

  /**
   * Lets the running handler finish (up to `graceMs`), then saves the checkpoint. An event whose
   * handler is still running afterwards is not checkpointed and will be delivered again.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.requestStop();
    this.signal.set();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.loop,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
    await this.saveCheckpoint();
    for (const waiter of this.positionWaiters.splice(0)) waiter.resolve();
  }

  /**
   * One more attempt at a parked event, outside the normal flow (dead-letter retry).
   * Returns the error if it failed again; `onSuccess` runs in the same transaction as a
   * transactional handler's writes.
   */
  async redeliver(
    event: StoredEvent,
    attempt: number,
    onSuccess: (tx: Transaction) => Promise<void>,
  ): Promise<Error | undefined> {
    if (!this.definition.transactional) {
      const error = await this.invoker.one(event, attempt);
      if (error && isStorageFault(error))
        throw new StorageUnavailableError(error);
      if (error) return error;
      await this.commit(onSuccess);
      return undefined;
    }
    try {
      await this.commit(async (tx) => {
        const error = await this.invoker.one(event, attempt, tx);
        if (error) throw new HandlerFailure(0, error);
        await onSuccess(tx);
      });
      return undefined;
    } catch (error) {
      if (error instanceof HandlerFailure) return error.failure;
      throw error;
    }
  }

  private async run(): Promise<void> {
    let pause: unknown;
    while (!this.stopping) {
      if (this.state.position >= this.deps.head()) {
        await this.idle();
        continue;
      }
      await this.deps.workers.acquire();
      try {
        const batch = await this.deps.readEvents(
          this.state.position,
          BATCH_SIZE,
        );
        if (batch.length === 0) {
          await this.signal.wait(50);
        } else if (this.definition.transactional) {
          await this.processTransactional(batch);
        } else {
          await this.processBatch(batch);
        }
      } catch (error) {
        if (error instanceof StopRequested) break;
        pause = error;
      } finally {
        this.deps.workers.release();
      }
      if (pause !== undefined) {
        await this.pauseAfter(pause);
        pause = undefined;
      }
      if (Date.now() - this.lastSavedAt >= CHECKPOINT_INTERVAL_MS) {
        await this.saveCheckpoint();
      }
    }
  }

  /**
   * Outside the worker pool: a storage fault waits for the writer to take writes again (no
   * attempt counted, the same events delivered again after it); anything else is logged and
   * tried again after a pause.
   */
  private async pauseAfter(error: unknown): Promise<void> {
    this.retry = undefined;
    const fault = error instanceof StoragePause ? error.fault : error;
    const health = this.deps.writer.health;
    if (isStorageFault(fault) && !health.healthy) {
      this.logger.warn(
        `paused: the database cannot be written (${(fault as Error).message})`,
      );
      await Promise.race([health.whenHealthy(), this.stopRequested]);
      if (!this.stopping) this.logger.log('resumed');
      return;
    }
    this.logger.error(
      `dispatch stalled, retrying in ${ERROR_BACKOFF_MS}ms: ${(fault as Error).message}`,
      (fault as Error).stack,
    );
    await this.sleep(ERROR_BACKOFF_MS);
  }

  /** Caught up: save a stale checkpoint once it is due, otherwise sleep until woken. */
  private async idle(): Promise<void> {
    if (this.changes === this.savedChanges) {
      await this.signal.wait(IDLE_WAIT_MS);
      return;
    }
    const due = this.lastSavedAt + CHECKPOINT_INTERVAL_MS - Date.now();
    if (due <= 0) await this.saveCheckpoint();
    else await this.signal.wait(due);
  }

  private async processBatch(batch: StoredEvent[]): Promise<void> {
    if (this.definition.batchHandler && (await this.deliverAll(batch))) return;
    for (const event of batch) {
      if (this.stopping) throw new StopRequested();
      if (this.matches(event.type)) await this.deliver(event);
      this.moveTo(event.position);
    }
  }

  /**
   * A batch subscription gets every matching event of the batch in one call. When that call
   * fails, the events go through one at a time (each with its own retries), so a poison event
   * is isolated; events the failed call had already handled are then delivered again.
   */
  private async deliverAll(batch: StoredEvent[]): Promise<boolean> {
    const matching = batch.filter((event) => this.matches(event.type));
    if (matching.length > 0) {
      const error = handlerFailure(await this.invoker.many(matching));
      if (error) {
        this.recordFailure(error);
        return false;
      }
      this.state.processed += matching.length;
    }
    this.moveTo(batch[batch.length - 1].position);
    return true;
  }

  private async deliver(event: StoredEvent): Promise<void> {
    const error = handlerFailure(await this.invoker.one(event, 1));
    if (error === undefined) {
      this.state.processed++;
      return;
    }
    this.recordFailure(error);
    await this.retryUntilSettled(event, error, async (attempt) => {
      const retryError = handlerFailure(await this.invoker.one(event, attempt));
      if (retryError === undefined) this.state.processed++;
      return retryError;
    });
  }

  /**
   * Handles matching events in slices, each slice in one transaction together with the
   * checkpoint. A slice also ends once it has held the writer for SLICE_BUDGET_MS, so quick
   * handlers never add up to a long transaction. A failure rolls its slice back; the events
   * before it are committed again on their own, and the failing event goes through retries
   * alone. A batch subscription gets each slice in one call, and after a failed call the
   * slice goes through one event at a time.
   */
  private async processTransactional(batch: StoredEvent[]): Promise<void> {
    let offset = 0;
    let failed: { at: number; error: Error } | undefined;
    let oneByOneUntil = this.definition.batchHandler ? 0 : batch.length;
    const lastMatch = batch.findLastIndex((event) => this.matches(event.type));
    while (offset < batch.length) {
      if (this.stopping) throw new StopRequested();
      if (failed?.at === offset) {
        const event = batch[offset];
        await this.retryUntilSettled(event, failed.error, (attempt) =>
          this.attemptInTransaction(event, attempt),
        );
        failed = undefined;
        offset++;
        continue;
      }
      if (!failed && offset > lastMatch) {
        // Nothing left to handle: the checkpoint may move lazily, like a non-transactional one's.
        this.moveTo(batch[batch.length - 1].position);
        break;
      }
      if (offset >= oneByOneUntil) {
        const slice = batch.slice(offset);
        const failure = await this.commitBatchSlice(slice);
        if (!failure) break;
        this.recordFailure(failure);
        oneByOneUntil = batch.length;
        continue;
      }
      const end = Math.min(
        offset + TRANSACTIONAL_SLICE,
        failed?.at ?? batch.length,
      );
      const outcome = await this.commitSlice(batch.slice(offset, end));
      if (outcome.failure) {
        this.recordFailure(outcome.failure.failure);
        failed = {
          at: offset + outcome.failure.index,
          error: outcome.failure.failure,
        };
      } else {
        offset += outcome.handled;
      }
    }
  }

  /** Commits a leading part of `slice` (at least one event), or reports where it failed. */
  private async commitSlice(
    slice: StoredEvent[],
  ): Promise<{ handled: number; failure?: HandlerFailure }> {
    const draft = { ...this.state };
    let handled = 0;
    try {
      await this.commit(async (tx) => {
        const started = performance.now();
        for (let index = 0; index < slice.length; index++) {
          if (index > 0 && performance.now() - started > SLICE_BUDGET_MS) {
            break;
          }
          const event = slice[index];
          if (this.matches(event.type)) {
            const error = handlerFailure(await this.invoker.one(event, 1, tx));
            if (error) throw new HandlerFailure(index, error);
            draft.processed++;
          }
          draft.position = event.position;
          handled = index + 1;
        }
        await this.deps.subscriptions.save(tx.queryRunner, draft);
      });
    } catch (error) {
      if (error instanceof HandlerFailure)
        return { handled: 0, failure: error };
      throw error;
    }
    this.replaceState(draft);
    return { handled };
  }

  /** One call for the matching events of `slice`, committed with the checkpoint. */
  private async commitBatchSlice(
    slice: StoredEvent[],
  ): Promise<Error | undefined> {
    const matching = slice.filter((event) => this.matches(event.type));
    const draft = {
      ...this.state,
      position: slice[slice.length - 1].position,
      processed: this.state.processed + matching.length,
    };
    try {
      await this.commit(async (tx) => {
        if (matching.length > 0) {
          const error = handlerFailure(await this.invoker.many(matching, tx));
          if (error) throw new HandlerFailure(-1, error);
        }
        await this.deps.subscriptions.save(tx.queryRunner, draft);
      });
    } catch (error) {
      if (error instanceof HandlerFailure) return error.failure;
      throw error;
    }
    this.replaceState(draft);
    return undefined;
  }

  private async attemptInTransaction(
    event: StoredEvent,
    attempt: number,
  ): Promise<Error | undefined> {
    const draft = { ...this.state };
    try {
      await this.commit(async (tx) => {
        const error = handlerFailure(
          await this.invoker.one(event, attempt, tx),
        );
        if (error) throw new HandlerFailure(0, error);
        draft.processed++;
        draft.position = event.position;
        await this.deps.subscriptions.save(tx.queryRunner, draft);
      });
    } catch (error) {
      if (error instanceof HandlerFailure) return error.failure;
      throw error;
    }
    this.replaceState(draft);
    return undefined;
  }

  /**
   * Retries with exponential backoff until an attempt succeeds, the failure is permanent or
   * the attempts are used up; then parks the event. The worker slot is given back while waiting.
   */
  private async retryUntilSettled(
    event: StoredEvent,
    firstError: Error,
    attempt: (attempt: number) => Promise<Error | undefined>,
  ): Promise<void> {
    const { retry, name } = this.definition;
    const firstFailedAt = new Date().toISOString();
    let lastError = firstError;
    let attemptsMade = 1;
    while (attemptsMade < retry.attempts && !isPermanentFailure(lastError)) {
      const delay = retryDelayMs(retry, attemptsMade);
      this.retry = {
        eventId: event.id,
        position: event.position,
        attempt: attemptsMade + 1,
        nextAttemptAt: new Date(Date.now() + delay).toISOString(),
      };
      await this.pauseOutsidePool(delay);
      if (this.stopping) {
        this.retry = undefined;
        throw new StopRequested(); // not the handler's fault: deliver again after restart
      }
      attemptsMade++;
      const error = await attempt(attemptsMade);
      if (error === undefined) {
        this.retry = undefined;
        return;
      }
      lastError = error;
      this.recordFailure(error);
    }
    this.retry = undefined;
    const draft: SubscriptionState = {
      ...this.state,
      position: event.position,
      deadLettered: this.state.deadLettered + 1,
    };
    await this.commit(async (tx) => {
      await this.deps.deadLetters.park(tx.queryRunner, {
        subscription: name,
        eventPosition: event.position,
        eventId: event.id,
        eventType: event.type,
        attempts: attemptsMade,
        firstError: publicError(firstError),
        lastError: publicError(lastError),
        firstFailedAt,
        lastFailedAt: new Date().toISOString(),
      });
      await this.deps.subscriptions.save(tx.queryRunner, draft);
    });
    this.replaceState(draft);
    this.deps.log.parked(name, event, attemptsMade, lastError);
    this.deps.onDeadLettered(name, event, attemptsMade, lastError);
  }

  private recordFailure(error: Error): void {
    this.state.failed++;
    this.state.lastError = publicError(error);
    this.state.lastErrorAt = new Date().toISOString();
    this.changes++;
  }

  /** The checkpoint moves past `position` (processed counters were updated in place). */
  private moveTo(position: number): void {
    this.state.position = position;
    this.changes++;
    if (this.positionWaiters.length > 0) this.releaseWaiters();
  }

  /** Takes a state that was just committed together with handler writes (or a dead letter). */
  private replaceState(committed: SubscriptionState): void {
    this.state = committed;
    this.changes++;
    this.savedChanges = this.changes;
    this.lastSavedAt = Date.now();
    if (this.positionWaiters.length > 0) this.releaseWaiters();
  }

  private releaseWaiters(): void {
    this.positionWaiters = this.positionWaiters.filter((waiter) => {
      if (waiter.position > this.state.position) return true;
      waiter.resolve();
      return false;
    });
  }

  private async saveCheckpoint(): Promise<void> {
    if (this.changes === this.savedChanges) return;
    const snapshot = { ...this.state };
    const changes = this.changes;
    try {
      await this.commit((tx) =>
        this.deps.subscriptions.save(tx.queryRunner, snapshot),
      );
      this.savedChanges = Math.max(this.savedChanges, changes);
    } catch (error) {
      this.logger.warn(
        `checkpoint not saved, will retry: ${(error as Error).message}`,
      );
    }
    this.lastSavedAt = Date.now();
  }

  /**
   * Checkpoints and dead letters must still be written while the application shuts down.
   * No unit time limit: every handler call inside is bounded by the subscription's own timeout.
   */
  private async commit(
    work: (tx: Transaction) => Promise<void>,
  ): Promise<void> {
    await this.deps.writer.runUnit(work, {
      duringShutdown: true,
      timeoutMs: null,
    });
  }

  private async pauseOutsidePool(ms: number): Promise<void> {
    this.deps.workers.release();
    try {
      await this.sleep(ms);
    } finally {
      await this.deps.workers.acquire();
    }
  }

  private async sleep(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
      this.stopRequested,
    ]);
    clearTimeout(timer);
  }
}
