import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import type { AppConfig } from '../../config/app-config.js';
import {
  BufferFullError,
  ShuttingDownError,
} from '../errors/bus-unavailable.error.js';
import type { AppendRequest, AppendResult } from '../store/event-store.js';
import { EventStore } from '../store/event-store.js';
import type { StoredEvent } from '../store/stored-event.js';
import { CommitFeed } from './commit-feed.js';
import { EventPreparer } from './event-preparer.js';
import { UnitTransaction, type Transaction } from './transaction.js';

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
}

export interface UnitResult<T> {
  value: T;
  /** Events the unit appended, committed. */
  events: StoredEvent[];
}

interface Waiting {
  weight: number;
  reject(error: Error): void;
}

interface QueuedUnit extends Waiting {
  kind: 'unit';
  timeoutMs: number | null;
  work(tx: Transaction): Promise<unknown>;
  resolve(result: UnitResult<unknown>): void;
}

interface QueuedAppend extends Waiting {
  kind: 'append';
  request: AppendRequest;
  resolve(result: AppendResult): void;
}

type Queued = QueuedUnit | QueuedAppend;

/** Settlements are held back until the group's COMMIT succeeded: nothing is acknowledged early. */
type Settlement = () => void;

// One group never grows past this many events, so one commit stays short under a flood.
const MAX_GROUP_WEIGHT = 5_000;

/**
 * The single writer. Everything that writes (domain units of work, plain publishes, checkpoint
 * saves) queues here and is committed in groups: one transaction, one sync to disk, for all
 * the work that arrived while the previous commit was in flight. Each unit runs in its own
 * savepoint, so a failing unit rolls back alone and the rest of its group still commits.
 *
 * At most event.bus.buffer_size events wait at once; beyond that callers wait or are refused.
 */
@Injectable()
export class GroupCommitWriter {
  private readonly logger = new Logger(GroupCommitWriter.name);
  private readonly capacity: number;
  private readonly unitTimeoutMs: number;
  private queue: Queued[] = [];
  /** Events (or units) accepted and not yet settled, committed or not. */
  private inFlight = 0;
  private capacityWaiters: (() => void)[] = [];
  private draining: Promise<void> | null = null;
  private accepting = true;
  private closed = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly preparer: EventPreparer,
    private readonly feed: CommitFeed,
    config: ConfigService<AppConfig, true>,
  ) {
    this.capacity = config.get('event.bus.buffer_size', { infer: true });
    this.unitTimeoutMs = config.get('event.handlers.timeout', { infer: true });
  }

  /** Events and units accepted but not yet committed: what buffer_size bounds. */
  get pending(): number {
    return this.inFlight;
  }

  async runUnit<T>(
    work: (tx: Transaction) => Promise<T>,
    options: SubmitOptions = {},
  ): Promise<UnitResult<T>> {
    await this.admit(1, options);
    return new Promise<UnitResult<T>>((resolve, reject) => {
      this.enqueue({
        kind: 'unit',
        weight: 1,
        timeoutMs:
          options.timeoutMs === undefined
            ? this.unitTimeoutMs
            : options.timeoutMs,
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
    for (const wake of this.capacityWaiters.splice(0)) wake();
    while (this.draining) await this.draining;
  }

  private async admit(weight: number, options: SubmitOptions): Promise<void> {
    const refused = () =>
      this.closed || (!this.accepting && !options.duringShutdown);
    if (refused()) throw new ShuttingDownError();
    // An oversized batch is let through alone rather than refused forever.
    while (this.inFlight > 0 && this.inFlight + weight > this.capacity) {
      if (options.whenFull === 'reject')
        throw new BufferFullError(this.capacity);
      await new Promise<void>((resolve) => this.capacityWaiters.push(resolve));
      if (refused()) throw new ShuttingDownError();
    }
    this.inFlight += weight;
  }

  private enqueue(item: Queued): void {
    this.queue.push(item);
    if (!this.draining) this.draining = this.drain();
  }

  private async drain(): Promise<void> {
    // Yield once so that requests arriving in the same tick share the first commit.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const group = this.takeGroup();
      try {
        await this.commitGroup(group);
      } catch (error) {
        this.logger.error(
          `writer failure: ${(error as Error).message}`,
          (error as Error).stack,
        );
      }
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

  private async commitGroup(group: Queued[]): Promise<void> {
    const committed: StoredEvent[] = [];
    const settlements: Settlement[] = [];
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.startTransaction();
      for (const item of group) {
        if (item.kind === 'unit')
          await this.runQueuedUnit(runner, item, committed, settlements);
      }
      const appends = group.filter(
        (item): item is QueuedAppend => item.kind === 'append',
      );
      if (appends.length > 0)
        await this.runAppends(runner, appends, committed, settlements);
      await runner.commitTransaction();
    } catch (error) {
      // The group is lost as a whole (e.g. the disk is full): no caller was told it succeeded.
      this.logger.error(
        `commit failed, ${group.length} request(s) rejected: ${(error as Error).message}`,
      );
      if (runner.isTransactionActive) {
        await runner.rollbackTransaction().catch(() => undefined);
      }
      for (const item of group) item.reject(error as Error);
      return;
    } finally {
      await runner.release().catch(() => undefined);
    }
    if (committed.length > 1) committed.sort((a, b) => a.position - b.position);
    this.feed.publish(committed);
    for (const settle of settlements) settle();
  }

  private async runQueuedUnit(
    runner: QueryRunner,
    item: QueuedUnit,
    committed: StoredEvent[],
    settlements: Settlement[],
  ): Promise<void> {
    await runner.startTransaction(); // a savepoint inside the group transaction
    const tx = new UnitTransaction(
      this.dataSource,
      runner,
      this.store,
      this.preparer,
    );
    try {
      const value = await withTimeout(item.work(tx), item.timeoutMs);
      tx.close();
      await runner.commitTransaction();
      committed.push(...tx.appended);
      settlements.push(() => item.resolve({ value, events: tx.appended }));
    } catch (error) {
      tx.close();
      await runner.rollbackTransaction();
      settlements.push(() => item.reject(error as Error));
    }
  }

  /**
   * Plain publishes share one multi-row insert. If that fails unexpectedly (a constraint race
   * on PostgreSQL), each request is retried in its own savepoint so only the offender fails.
   */
  private async runAppends(
    runner: QueryRunner,
    appends: QueuedAppend[],
    committed: StoredEvent[],
    settlements: Settlement[],
  ): Promise<void> {
    await runner.startTransaction();
    try {
      const outcomes = await this.store.append(
        runner,
        appends.map((item) => item.request),
      );
      await runner.commitTransaction();
      outcomes.forEach((outcome, index) => {
        const item = appends[index];
        if (!outcome.ok) {
          settlements.push(() => item.reject(outcome.error));
          return;
        }
        const { events, created } = outcome.result;
        events.forEach((event, i) => created[i] && committed.push(event));
        settlements.push(() => item.resolve(outcome.result));
      });
    } catch (error) {
      await runner.rollbackTransaction();
      if (appends.length === 1) {
        settlements.push(() => appends[0].reject(error as Error));
        return;
      }
      for (const item of appends)
        await this.runAppends(runner, [item], committed, settlements);
    }
  }
}

class UnitTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(
      `unit of work did not finish within ${timeoutMs}ms and was rolled back`,
    );
    this.name = 'UnitTimeoutError';
  }
}

function withTimeout<T>(
  work: Promise<T>,
  timeoutMs: number | null,
): Promise<T> {
  if (timeoutMs === null) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new UnitTimeoutError(timeoutMs)),
      timeoutMs,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
