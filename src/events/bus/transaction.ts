import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { TransactionClosedError } from '../errors/transaction-closed.error.js';
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
  /** The raw query runner, for stores that write with their own SQL (checkpoints, dead letters). */
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
 * The writer's Transaction. Once the unit ends, manager and append refuse further use, so code
 * that outlives its unit (a timed-out handler) cannot write into someone else's transaction.
 */
export class UnitTransaction implements Transaction {
  readonly manager: EntityManager;
  /** Events this unit created, handed to the dispatcher once the transaction commits. */
  readonly appended: StoredEvent[] = [];
  private open = true;

  constructor(
    dataSource: DataSource,
    private readonly runner: QueryRunner,
    private readonly store: EventStore,
    private readonly preparer: EventPreparer,
  ) {
    this.manager = dataSource.createEntityManager(
      guard(runner, () => this.open),
    );
  }

  get queryRunner(): QueryRunner {
    this.assertOpen();
    return this.runner;
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
    const [outcome] = await this.store.append(this.runner, [request]);
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

function guard(runner: QueryRunner, isOpen: () => boolean): QueryRunner {
  return new Proxy(runner, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
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
