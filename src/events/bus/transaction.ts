import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { TransactionClosedError } from '../errors/transaction-closed.error.js';
import { TransactionControlError } from '../errors/transaction-control.error.js';
import type { EventStore } from '../store/event-store.js';
import type { AppendOptions } from '../store/new-event.js';
import type { StoredEvent } from '../store/stored-event.js';
import { eventContext } from './event-context.js';
import type { EventPreparer, Publishable } from './event-preparer.js';

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
    this.queryRunner = guard(
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

/** What only the writer may call on the runner of a group (see TransactionControlError). */
const WRITER_ONLY = new Set<PropertyKey>([
  'startTransaction',
  'commitTransaction',
  'rollbackTransaction',
  'release',
]);

/**
 * The runner as a unit sees it: every method refused once the unit ended, transaction control
 * always, and its `manager` the unit's own (the runner's would bypass this guard).
 */
function guard(
  runner: QueryRunner,
  isOpen: () => boolean,
  manager: () => EntityManager,
): QueryRunner {
  return new Proxy(runner, {
    get(target, property) {
      if (property === 'manager') return manager();
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (WRITER_ONLY.has(property))
        return () =>
          Promise.reject(new TransactionControlError(String(property)));
      return (...args: unknown[]) => {
        if (!isOpen()) throw new TransactionClosedError();
        return (value as (...parameters: unknown[]) => unknown).apply(
          target,
          args,
        );
      };
    },
  });
}
