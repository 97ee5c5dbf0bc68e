import { Logger } from '@nestjs/common';
import { isStorageFault } from '../../../database/storage-fault.js';
import type { Transaction } from '../../bus/transaction.js';
import { StorageUnavailableError } from '../../errors/bus-unavailable.error.js';
import { compareCursors, type LogCursor } from '../../store/event-cursor.js';
import type { StoredEvent } from '../../store/stored-event.js';
import type { SubscriptionState } from '../../store/subscription-store.js';
import { HandlerInvoker } from '../handler-invoker.js';
import {
  matchesAny,
  type SubscriptionDefinition,
} from '../subscription-definition.js';
import { WakeSignal } from '../wake-signal.js';
import { Checkpoint, CHECKPOINT_INTERVAL_MS } from './checkpoint.js';
import {
  committedOrFailure,
  DependencyPause,
  HandlerFailure,
  StoragePause,
  StopRequested,
} from './delivery-failures.js';
import { PlainDelivery } from './plain-delivery.js';
import { RetryAndPark, type RetryState } from './retry-and-park.js';
import type { RunnerDependencies, RunnerServices } from './runner-services.js';
import { TransactionalDelivery } from './transactional-delivery.js';

export type { RetryState } from './retry-and-park.js';
export type { RunnerDependencies } from './runner-services.js';

const BATCH_SIZE = 500;
const IDLE_WAIT_MS = 1_000;
const ERROR_BACKOFF_MS = 1_000;

/**
 * Runs one durable subscription: reads events after its checkpoint and hands them, in log
 * order, to its delivery (plain: at least once, checkpoint saved every 200 ms; transactional:
 * handler writes and checkpoint in one commit), which retries and parks what keeps failing.
 * A storage fault pauses it until the writer recovers; a stop lets the running handler finish
 * within the grace period.
 */
export class SubscriptionRunner implements RunnerServices {
  readonly invoker: HandlerInvoker;
  readonly checkpoint: Checkpoint;
  private readonly logger: Logger;
  private readonly signal = new WakeSignal();
  private readonly retries: RetryAndPark;
  private readonly plain: PlainDelivery;
  private readonly transactional: TransactionalDelivery;
  private stopped = false;
  private readonly stopRequested: Promise<void>;
  private requestStop!: () => void;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    readonly definition: SubscriptionDefinition,
    state: SubscriptionState,
    readonly deps: RunnerDependencies,
  ) {
    this.logger = new Logger(`Subscription ${definition.name}`);
    this.invoker = new HandlerInvoker(definition, deps.log);
    this.checkpoint = new Checkpoint(state, deps.subscriptions);
    this.retries = new RetryAndPark(this);
    this.plain = new PlainDelivery(this, this.retries);
    this.transactional = new TransactionalDelivery(this, this.retries);
    this.stopRequested = new Promise((resolve) => (this.requestStop = resolve));
  }

  get snapshot(): Readonly<SubscriptionState> {
    return this.checkpoint.state;
  }

  get retrying(): RetryState | undefined {
    return this.retries.retrying;
  }

  get stopping(): boolean {
    return this.stopped;
  }

  matches(type: string): boolean {
    return matchesAny(this.definition, type);
  }

  assertRunning(): void {
    if (this.stopped) throw new StopRequested();
  }

  start(): void {
    this.loop = this.run();
  }

  /** New events were committed. */
  notify(): void {
    this.signal.set();
  }

  /** Resolves once the checkpoint has passed `cursor` (or the runner stopped). */
  reached(cursor: LogCursor): Promise<void> {
    return this.stopped ? Promise.resolve() : this.checkpoint.reached(cursor);
  }

  /**
   * Lets the running handler finish (up to `graceMs`), then saves the checkpoint. An event whose
   * handler is still running afterwards is not checkpointed and will be delivered again.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    this.requestStop();
    this.signal.set();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.loop,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
    await this.saveCheckpoint();
    this.checkpoint.releaseAll();
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
    const failure = await committedOrFailure(() =>
      this.commit(async (tx) => {
        const error = await this.invoker.one(event, attempt, tx);
        if (error) throw new HandlerFailure(0, error);
        await onSuccess(tx);
      }),
    );
    return failure?.failure;
  }

  async commit(work: (tx: Transaction) => Promise<void>): Promise<void> {
    await this.deps.writer.runUnit(work, {
      duringShutdown: true,
      timeoutMs: null,
    });
  }

  async pauseOutsidePool(ms: number): Promise<void> {
    this.deps.workers.release();
    try {
      await this.sleep(ms);
    } finally {
      await this.deps.workers.acquire();
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (compareCursors(this.checkpoint.cursor, this.deps.head()) >= 0) {
        await this.idle();
        continue;
      }
      let failure: unknown;
      await this.deps.workers.acquire();
      try {
        const batch = await this.deps.readEvents(
          this.checkpoint.cursor,
          BATCH_SIZE,
        );
        if (batch.length === 0) await this.signal.wait(50);
        else if (this.definition.transactional)
          await this.transactional.process(batch);
        else await this.plain.process(batch);
      } catch (error) {
        if (error instanceof StopRequested) break;
        failure = error;
      } finally {
        this.deps.workers.release();
      }
      if (failure !== undefined) await this.pauseAfter(failure);
      if (this.checkpoint.saveDueInMs <= 0) await this.saveCheckpoint();
    }
  }

  /**
   * Outside the worker pool: an unreachable downstream (DependencyUnavailable) is waited for,
   * a storage fault waits for the writer to take writes again (no
   * attempt counted, the same events delivered again after it); anything else is logged and
   * tried again after a pause.
   */
  private async pauseAfter(error: unknown): Promise<void> {
    if (error instanceof DependencyPause) {
      this.logger.warn(`paused: ${error.message}`);
      await Promise.race([
        error.unavailable
          .whenAvailable()
          .catch(() => this.sleep(ERROR_BACKOFF_MS)),
        this.stopRequested,
      ]);
      if (!this.stopped) this.logger.log('resumed');
      return;
    }
    const fault = error instanceof StoragePause ? error.fault : error;
    const health = this.deps.writer.health;
    if (isStorageFault(fault) && !health.healthy) {
      this.logger.warn(
        `paused: the database cannot be written (${(fault as Error).message})`,
      );
      await Promise.race([health.whenHealthy(), this.stopRequested]);
      if (!this.stopped) this.logger.log('resumed');
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
    if (!this.checkpoint.dirty) {
      await this.signal.wait(IDLE_WAIT_MS);
      return;
    }
    const due = this.checkpoint.saveDueInMs;
    if (due <= 0) await this.saveCheckpoint();
    else await this.signal.wait(Math.min(due, CHECKPOINT_INTERVAL_MS));
  }

  private async saveCheckpoint(): Promise<void> {
    const error = await this.checkpoint.save((work) => this.commit(work));
    if (error)
      this.logger.warn(`checkpoint not saved, will retry: ${error.message}`);
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
