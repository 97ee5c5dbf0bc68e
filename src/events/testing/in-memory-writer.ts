import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { eventContext } from '../bus/event-context.js';
import type { EventPreparer, Publishable } from '../bus/event-preparer.js';
import { EventWriter } from '../bus/event-writer.js';
import type { Transaction } from '../bus/transaction.js';
import { unitRunner } from '../bus/unit-runner.js';
import { TransactionClosedError } from '../errors/transaction-closed.error.js';
import type { UnitResult } from '../bus/writer/group-commit-writer.js';
import type { AppendRequest, AppendResult } from '../store/event-store.js';
import type { AppendOptions } from '../store/new-event.js';
import type { StoredEvent } from '../store/stored-event.js';
import type { InMemoryEventLog } from './in-memory-event-log.js';

/**
 * The writer of unit tests: EventBus and UnitOfWork run over it unchanged, with an in-memory
 * log instead of the event table. Like the group-commit writer it runs one unit at a time and
 * a unit that throws leaves nothing behind. Units get a real `tx.manager` when a DataSource is
 * given (an in-memory SQLite one, say); without one, touching the database throws.
 */
export class InMemoryEventWriter extends EventWriter {
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly log: InMemoryEventLog,
    private readonly preparer: EventPreparer,
    private readonly database?: DataSource,
  ) {
    super();
  }

  append(request: AppendRequest): Promise<AppendResult> {
    return this.exclusive(() => {
      const [outcome] = this.log.append([request]);
      if (!outcome.ok) throw outcome.error;
      return Promise.resolve(outcome.result);
    });
  }

  runUnit<T>(work: (tx: Transaction) => Promise<T>): Promise<UnitResult<T>> {
    return this.exclusive(async () => {
      const runner = this.database?.createQueryRunner();
      await runner?.startTransaction();
      const tx = new InMemoryTransaction(
        this.log,
        this.preparer,
        this.database,
        runner,
      );
      try {
        const value = await work(tx);
        await runner?.commitTransaction();
        return { value, events: tx.appended };
      } catch (error) {
        this.log.discard(tx.appended);
        await runner?.rollbackTransaction();
        throw error;
      } finally {
        tx.close();
        await runner?.release();
      }
    });
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const mine = this.turn.then(work);
    this.turn = mine.catch(() => undefined);
    return mine;
  }
}

/**
 * A unit's transaction: appends are prepared by the bus's EventPreparer, and its query runner
 * is guarded as in UnitTransaction (no transaction control, nothing once the unit ended), so a
 * handler that would break the application's writer fails its unit test the same way.
 */
class InMemoryTransaction implements Transaction {
  readonly appended: StoredEvent[] = [];
  private open = true;
  private readonly runner: QueryRunner | undefined;
  private readonly unitManager: EntityManager | undefined;

  constructor(
    private readonly log: InMemoryEventLog,
    private readonly preparer: EventPreparer,
    database: DataSource | undefined,
    runner: QueryRunner | undefined,
  ) {
    if (database === undefined || runner === undefined) return;
    this.runner = unitRunner(
      runner,
      () => this.open,
      () => this.manager,
    );
    this.unitManager = database.createEntityManager(this.runner);
  }

  get manager(): EntityManager {
    this.assertOpen();
    if (this.unitManager === undefined)
      throw new Error(
        'this in-memory unit of work has no database: give RecordingEventBus a DataSource',
      );
    return this.unitManager;
  }

  get queryRunner(): QueryRunner {
    // Readers of the in-memory log ignore it; only real SQL needs a real runner.
    return this.runner ?? NO_DATABASE;
  }

  append(
    events: Publishable | Publishable[],
    options?: AppendOptions,
  ): Promise<StoredEvent[]> {
    try {
      this.assertOpen();
      const request = this.preparer.toRequest(
        events,
        options ?? {},
        eventContext.current(),
      );
      const [outcome] = this.log.append([request]);
      if (!outcome.ok) throw outcome.error;
      const { events: stored, created } = outcome.result;
      stored.forEach((event, i) => created[i] && this.appended.push(event));
      return Promise.resolve(stored);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  close(): void {
    this.open = false;
  }

  private assertOpen(): void {
    if (!this.open) throw new TransactionClosedError();
  }
}

/** Stands in for a query runner where there is no database: any use of it throws. */
const NO_DATABASE = new Proxy({} as QueryRunner, {
  get(_target, property) {
    if (property === 'then') return undefined;
    throw new Error(
      `this in-memory unit of work has no database (queryRunner.${String(property)})`,
    );
  },
});
