import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../../options/events.options.js';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Inject,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { isStorageFault } from '../../../database/storage-fault.js';
import { WriterConnection } from '../../../database/writer-connection.js';
import {
  BatchTooLargeError,
  BufferFullError,
  ShuttingDownError,
  StorageUnavailableError,
} from '../../errors/bus-unavailable.error.js';
import type { AppendRequest, AppendResult } from '../../store/event-store.js';
import { EventStore } from '../../store/event-store.js';
import { StorageProbe } from '../../store/storage-probe.js';
import { CommitFeed } from '../commit-feed.js';
import { eventContext } from '../event-context.js';
import { EventPreparer } from '../event-preparer.js';
import {
  commitGroup,
  GroupAbortedError,
  type GroupCommitDependencies,
} from './group-commit.js';
import type { Queued, UnitResult } from './queued-work.js';
import { StorageHealth } from './storage-health.js';
import type { Transaction } from '../transaction.js';

export type { UnitResult } from './queued-work.js';
export type BufferPolicy = 'wait' | 'reject';

export interface SubmitOptions {
  /** When buffer_size events already wait: 'wait' (default) for room, or 'reject' with BufferFullError. */
  whenFull?: BufferPolicy;
  /**
   * Work the shutdown itself needs (checkpoints, dead letters, publishes of handlers finishing
   * their event) is accepted until the writer is closed; other work stops at stopAccepting().
   */
  duringShutdown?: boolean;
  /** How long a unit may run before it is rolled back; null: no limit. Default event.handlers.timeout. */
  timeoutMs?: number | null;
  /** Events the unit will append at most, counted against buffer_size and max_batch (default 1). */
  weight?: number;
}

// One group never grows past this many events, so one commit stays short under a flood.
const MAX_GROUP_WEIGHT = 5_000;
// While writes fail, the writer tries a tiny write this often (doubling up to the maximum).
const PROBE_FIRST_MS = 200;
const PROBE_MAX_MS = 5_000;

/**
 * The single writer. Everything that writes (domain units of work, plain publishes, checkpoint
 * saves) queues here and is committed in groups: one transaction, one sync to disk, for all
 * the work that arrived while the previous commit was in flight. Each unit runs in its own
 * savepoint, so a failing unit rolls back alone and the rest of its group still commits.
 *
 * At most event.bus.buffer_size events wait at once; beyond that callers wait or are refused.
 * When the database cannot be written (see storage-fault.ts) the group is refused as a whole,
 * the connection is brought back to a known state, new work is refused with
 * StorageUnavailableError (HTTP 503) and a probe write runs until the disk takes writes again.
 */
@Injectable()
export class GroupCommitWriter implements OnApplicationBootstrap {
  private readonly logger = new Logger(GroupCommitWriter.name);
  private readonly capacity: number;
  private readonly maxBatch: number;
  private readonly unitTimeoutMs: number;
  private readonly connection: WriterConnection;
  private readonly group: GroupCommitDependencies;
  readonly health = new StorageHealth();
  private queue: Queued[] = [];
  /** Events (or units) accepted and not yet settled, committed or not. */
  private inFlight = 0;
  private capacityWaiters: (() => void)[] = [];
  private draining: Promise<void> | null = null;
  private accepting = true;
  private closed = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private probeDelayMs = PROBE_FIRST_MS;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    store: EventStore,
    preparer: EventPreparer,
    private readonly feed: CommitFeed,
    private readonly probe: StorageProbe,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    this.capacity = options.bus.bufferSize;
    this.maxBatch = Math.min(options.bus.maxBatch, this.capacity);
    this.unitTimeoutMs = options.handlers.timeoutMs;
    this.connection = new WriterConnection(dataSource);
    this.group = { dataSource, connection: this.connection, store, preparer };
  }

  /** A database that cannot be written at start is reported by readiness at once. */
  async onApplicationBootstrap(): Promise<void> {
    await this.runProbe();
  }

  /** Events and units accepted but not yet committed: what buffer_size bounds. */
  get pending(): number {
    return this.inFlight;
  }

  async runUnit<T>(
    work: (tx: Transaction) => Promise<T>,
    options: SubmitOptions = {},
  ): Promise<UnitResult<T>> {
    const weight = options.weight ?? 1;
    await this.admit(weight, options);
    // Captured now, while still in the caller's async context.
    const context = eventContext.current();
    return new Promise<UnitResult<T>>((resolve, reject) => {
      this.enqueue({
        kind: 'unit',
        weight,
        timeoutMs:
          options.timeoutMs === undefined
            ? this.unitTimeoutMs
            : options.timeoutMs,
        context,
        work,
        resolve: resolve as (result: UnitResult<unknown>) => void,
        reject,
      });
    });
  }

  async append(
    request: AppendRequest,
    options: SubmitOptions = {},
  ): Promise<AppendResult> {
    await this.admit(request.events.length, options);
    return new Promise<AppendResult>((resolve, reject) => {
      this.enqueue({
        kind: 'append',
        weight: request.events.length,
        request,
        resolve,
        reject,
      });
    });
  }

  /** First step of shutdown: new requests are refused with ShuttingDownError (HTTP 503). */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Refuses all new work and waits until everything accepted so far has been committed. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.probeTimer);
    for (const wake of this.capacityWaiters.splice(0)) wake();
    while (this.draining) await this.draining;
  }

  private async admit(weight: number, options: SubmitOptions): Promise<void> {
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
      await new Promise<void>((resolve) => this.capacityWaiters.push(resolve));
      if (refused()) throw new ShuttingDownError();
    }
    this.inFlight += weight;
  }

  private enqueue(item: Queued): void {
    this.queue.push(item);
    // The drain outlives the caller that happens to start it: it must not run in that caller's
    // async context (its log lines and, worse, every unit's events would carry its ids).
    if (!this.draining)
      this.draining = eventContext.detached(() => this.drain());
  }

  private async drain(): Promise<void> {
    // Yield once so that requests arriving in the same tick share the first commit.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const group = this.takeGroup();
      await this.commit(group);
      this.inFlight -= group.reduce((sum, item) => sum + item.weight, 0);
      for (const wake of this.capacityWaiters.splice(0)) wake();
    }
    this.draining = null;
  }

  private takeGroup(): Queued[] {
    let weight = 0;
    let count = 0;
    while (
      count < this.queue.length &&
      (count === 0 || weight + this.queue[count].weight <= MAX_GROUP_WEIGHT)
    ) {
      weight += this.queue[count].weight;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private async commit(group: Queued[]): Promise<void> {
    let runner;
    try {
      runner = await this.connection.open();
    } catch (error) {
      this.refuse(group, error, false);
      return;
    }
    try {
      const { committed, settlements } = await commitGroup(
        this.group,
        runner,
        group,
      );
      await this.connection.release(runner);
      if (!this.health.healthy) {
        this.health.markHealthy();
        this.probeDelayMs = PROBE_FIRST_MS;
        this.logger.log('the database takes writes again');
      }
      this.feed.publish(committed);
      for (const settle of settlements) settle();
    } catch (error) {
      await this.connection
        .recover(runner)
        .catch((recoveryError: unknown) =>
          this.logger.error(
            `writer connection not recovered yet: ${(recoveryError as Error).message}`,
          ),
        );
      const cause = error instanceof GroupAbortedError ? error.cause : error;
      const uncertain =
        error instanceof GroupAbortedError && error.commitAttempted;
      this.refuse(group, cause, uncertain);
    }
  }

  /** Nothing of the group was acknowledged; every caller learns that its work was not stored. */
  private refuse(group: Queued[], cause: unknown, uncertain: boolean): void {
    const storage = isStorageFault(cause);
    this.logger.error(
      `commit failed, ${group.length} request(s) refused: ${(cause as Error)?.message ?? String(cause)}`,
      storage ? undefined : (cause as Error)?.stack,
    );
    // After a failed COMMIT the events may or may not be on disk: in-memory views of the log
    // must go back to the store for everything up to the next commit.
    if (uncertain) this.feed.publishUncertain();
    this.health.markFaulted(cause);
    const refusal = new StorageUnavailableError(cause);
    for (const item of group) item.reject(refusal);
    this.scheduleProbe();
  }

  private scheduleProbe(): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      void this.runProbe();
    }, this.probeDelayMs);
    this.probeTimer.unref();
    this.probeDelayMs = Math.min(this.probeDelayMs * 2, PROBE_MAX_MS);
  }

  /**
   * A real write (one row rewritten) in the writer's own transaction, queued like any unit so
   * it never overlaps a group. Success clears the fault and lets publishers and paused
   * subscriptions go on. Resolves once the probe has been committed or refused.
   */
  private runProbe(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((settled) => {
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
            this.scheduleProbe();
          } else {
            this.logger.error(`storage probe failed: ${error.message}`);
          }
          settled();
        },
      });
    });
  }
}
