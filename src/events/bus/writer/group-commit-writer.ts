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
import { WriterConnection } from '../../../database/writer-connection.js';
import type { AppendRequest, AppendResult } from '../../store/event-store.js';
import { EventStore } from '../../store/event-store.js';
import { StorageProbe } from '../../store/storage-probe.js';
import { CommitFeed } from '../commit-feed.js';
import { eventContext } from '../event-context.js';
import { EventPreparer } from '../event-preparer.js';
import { CommitQueue } from './commit-queue.js';
import { GroupSettler } from './group-settler.js';
import type { UnitResult } from './queued-work.js';
import { RecoveryProbe } from './recovery-probe.js';
import { StorageHealth } from './storage-health.js';
import type { SubmitOptions } from './submit-options.js';
import { WriteAdmission } from './write-admission.js';
import type { Transaction } from '../transaction.js';

export type { UnitResult } from './queued-work.js';
export type { BufferPolicy, SubmitOptions } from './submit-options.js';

/**
 * The single writer. Everything that writes (domain units of work, plain publishes, checkpoint
 * saves) queues here and is committed in groups: one transaction, one sync to disk, for all
 * the work that arrived while the previous commit was in flight. Each unit runs in its own
 * savepoint, so a failing unit rolls back alone and the rest of its group still commits.
 *
 * This class is the writer's public face and wiring; each job has its own file:
 * - write-admission.ts: at most event.bus.buffer_size events wait; beyond that callers wait or
 *   are refused, as they are while shutting down or while the storage is faulted;
 * - commit-queue.ts: the group loop, one group at a time;
 * - group-commit.ts: one group's transaction, a savepoint per unit;
 * - group-settler.ts: callers settled after the commit; when the database cannot be written
 *   (see storage-fault.ts) the group is refused as a whole with StorageUnavailableError (HTTP
 *   503) and the connection brought back to a known state;
 * - recovery-probe.ts: a probe write retried until the disk takes writes again;
 * - storage-health.ts: the fault that readiness reports and paused subscriptions wait on.
 */
@Injectable()
export class GroupCommitWriter implements OnApplicationBootstrap {
  private readonly logger = new Logger(GroupCommitWriter.name);
  private readonly unitTimeoutMs: number;
  private readonly admission: WriteAdmission;
  private readonly queue: CommitQueue;
  private readonly recovery: RecoveryProbe;
  readonly health = new StorageHealth();

  constructor(
    @InjectDataSource() dataSource: DataSource,
    store: EventStore,
    preparer: EventPreparer,
    feed: CommitFeed,
    probe: StorageProbe,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    this.unitTimeoutMs = options.handlers.timeoutMs;
    this.admission = new WriteAdmission(
      options.bus.bufferSize,
      options.bus.maxBatch,
      this.health,
    );
    this.recovery = new RecoveryProbe(
      (item) => this.queue.enqueue(item),
      probe,
      this.health,
      this.unitTimeoutMs,
      this.logger,
    );
    const connection = new WriterConnection(dataSource, (message) =>
      this.logger.warn(message),
    );
    const settler = new GroupSettler(
      { dataSource, connection, store, preparer },
      feed,
      this.health,
      this.recovery,
      this.logger,
    );
    this.queue = new CommitQueue(
      (group) => settler.commit(group),
      (weight) => this.admission.release(weight),
    );
  }

  /** A database that cannot be written at start is reported by readiness at once. */
  async onApplicationBootstrap(): Promise<void> {
    await this.recovery.run();
  }

  /** Events and units accepted but not yet committed: what buffer_size bounds. */
  get pending(): number {
    return this.admission.pending;
  }

  async runUnit<T>(
    work: (tx: Transaction) => Promise<T>,
    options: SubmitOptions = {},
  ): Promise<UnitResult<T>> {
    const weight = options.weight ?? 1;
    await this.admission.admit(weight, options);
    // Captured now, while still in the caller's async context.
    const context = eventContext.current();
    return new Promise<UnitResult<T>>((resolve, reject) => {
      this.queue.enqueue({
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
    await this.admission.admit(request.events.length, options);
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.enqueue({
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
    this.admission.stopAccepting();
  }

  /** Refuses all new work and waits until everything accepted so far has been committed. */
  async close(): Promise<void> {
    this.admission.close();
    this.recovery.stop();
    await this.queue.whenIdle();
  }
}
