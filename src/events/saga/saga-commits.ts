import type { Transaction } from '../bus/transaction.js';
import type { UnitOfWork } from '../bus/unit-of-work.js';
import type { SagaPlan } from './saga-plan.js';
import type { SagaRecord } from './saga-record.js';
import type { SagaStore } from './saga-store.js';
import type { Transition } from './saga-transitions.js';
import { sagaView } from './saga-view.js';
import { StaleSagaError } from './saga.errors.js';

/** 'appended': the transition emitted events (which wake the saga again); 'stale': see commit. */
export type CommitOutcome = 'appended' | 'committed' | 'stale';

/**
 * Writes a saga's transitions. Each is one commit: the saga row (status, next step, results,
 * history), the events the transition emits (appended to the saga's stream) and the module's
 * onTransition writes, guarded by the row's revision so that of two drivers only one commits.
 */
export class SagaCommits<TData> {
  constructor(
    private readonly plan: SagaPlan<TData>,
    private readonly uow: UnitOfWork,
    private readonly store: SagaStore,
  ) {}

  /** Records a new instance inside the caller's unit of work. */
  async insert(tx: Transaction, record: SagaRecord): Promise<void> {
    await this.store.insert(tx.queryRunner, record);
    await this.plan.definition.onTransition?.(tx, sagaView(this.plan, record));
  }

  /**
   * Commits the transition from `from`, unless another driver committed one first: then
   * nothing is written and the answer is 'stale'. Correlation and causation are passed
   * explicitly rather than taken from the ambient context: the chain stays whole however a
   * step's promise was created.
   */
  async commit(
    from: SagaRecord,
    { next, events }: Transition,
    causationId: string | undefined,
  ): Promise<CommitOutcome> {
    try {
      await this.uow.run(async (tx) => {
        if (events.length > 0) {
          // The row's revision guards against a concurrent driver (checked below, same
          // transaction); the stream may also hold events others appended to it.
          const stored = await tx.append(events, {
            streamId: from.streamId,
            expectedVersion: 'any',
            correlationId: from.correlationId ?? undefined,
            causationId: causationId ?? null,
          });
          const newest = stored[stored.length - 1];
          next.version = newest.streamVersion ?? from.version + stored.length;
          next.lastEventId = newest.id;
        }
        if (!(await this.store.update(tx.queryRunner, next, from.revision)))
          throw new StaleSagaError(this.plan.name, from.id);
        await this.plan.definition.onTransition?.(
          tx,
          sagaView(this.plan, next),
        );
      });
    } catch (error) {
      if (error instanceof StaleSagaError) return 'stale';
      throw error;
    }
    return events.length > 0 ? 'appended' : 'committed';
  }
}
