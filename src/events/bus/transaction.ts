import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { TransactionClosedError } from '../errors/transaction-closed.error.js';
import type { EventStore } from '../store/event-store.js';
import type { AppendOptions } from '../store/new-event.js';
import type { StoredEvent } from '../store/stored-event.js';
import { eventContext } from './event-context.js';
import type { EventPreparer, Publishable } from './event-preparer.js';
import { unitRunner } from './unit-runner.js';

/**
 * One unit of work inside a (group) commit: domain writes through `manager` and events through
 * `append` succeed or fail together.
 */
export interface Transaction {
  readonly manager: EntityManager;
  /**
   * The query runner, for stores that write with their own SQL (checkpoints, dead letters). Its
   * transaction is the writer's: starting, ending or releasing it throws TransactionControlError.
   */
  readonly queryRunner: QueryRunner;
  /**
   * Appends events in this unit. A stale expected version throws ConcurrencyError and, unless
   * caught, rolls back the unit's other writes with it.
   */
  append(
    events: Publishable | Publishable[],
    options?: AppendOptions,
  ): Promise<StoredEvent[]>;
}

/**
 * The writer's Transaction. Once the unit ends, manager, queryRunner and append refuse further
 * use, so code that outlives its unit (a timed-out handler) cannot write into someone else's
 * transaction; and the unit can never start, end or release the transaction it runs in.
 */
export class UnitTransaction implements Transaction {
  readonly manager: EntityManager;
  readonly queryRunner: QueryRunner;
  /** Events this unit created, handed to the dispatcher once the transaction commits. */
  readonly appended: StoredEvent[] = [];
  private open = true;

  constructor(
    dataSource: DataSource,
    runner: QueryRunner,
    private readonly store: EventStore,
    private readonly preparer: EventPreparer,
  ) {
    this.queryRunner = unitRunner(
      runner,
      () => this.open,
      () => this.manager,
    );
    this.manager = dataSource.createEntityManager(this.queryRunner);
  }

  async append(
    events: Publishable | Publishable[],
    options?: AppendOptions,
  ): Promise<StoredEvent[]> {
    this.assertOpen();
    // The writer runs each unit in its submitter's context (a transactional handler nests the
    // handled event's context inside it), so the ambient context here is this unit's own.
    const request = this.preparer.toRequest(
      events,
      options ?? {},
      eventContext.current(),
    );
    // On the guarded runner: an append still waiting on the database when its unit timed out
    // and was rolled back must not go on to write into the group's transaction.
    const [outcome] = await this.store.append(this.queryRunner, [request]);
    if (!outcome.ok) throw outcome.error;
    const { events: stored, created } = outcome.result;
    stored.forEach(
      (event, index) => created[index] && this.appended.push(event),
    );
    return stored;
  }

  close(): void {
    this.open = false;
  }

  private assertOpen(): void {
    if (!this.open) throw new TransactionClosedError();
  }
}
