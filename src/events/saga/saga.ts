import { Logger } from '@nestjs/common';
import { eventContext } from '../bus/event-context.js';
import type { Publishable } from '../bus/event-preparer.js';
import type { Transaction } from '../bus/transaction.js';
import type { UnitOfWork } from '../bus/unit-of-work.js';
import type { HandlerContext } from '../dispatch/handler-context.js';
import type { StoredEvent } from '../store/stored-event.js';
import { SagaCommits, type CommitOutcome } from './saga-commits.js';
import type { SagaDefinition, SagaStateView } from './saga-definition.js';
import { SagaPlan } from './saga-plan.js';
import { contextOf, isTerminal, type SagaRecord } from './saga-record.js';
import type { SagaStore } from './saga-store.js';
import {
  startRecord,
  transition,
  type StepOutcome,
} from './saga-transitions.js';
import { sagaView } from './saga-view.js';
import { withStepTimeout } from './step-timeout.js';

/**
 * A registered saga: starts instances, advances them one transition at a time, and reads
 * their state. Built by SagaOrchestrator.register().
 *
 * Taking a transition is three jobs: running the current step (here, bounded by its timeout),
 * deciding where that leads (saga-transitions.ts, pure) and committing it (saga-commits.ts,
 * one transaction guarded by the row's revision). A step's effect happens before that commit,
 * outside it, so it is repeated if the process dies in between: steps are idempotent per saga
 * id. A failure is committed before any compensation runs, so a step is never retried after
 * its saga has started undoing it.
 */
export class Saga<TData> {
  readonly name: string;
  private readonly plan: SagaPlan<TData>;
  private readonly commits: SagaCommits<TData>;
  private readonly logger: Logger;
  /** One driver per saga instance in this process; others wait their turn, then re-read. */
  private readonly busy = new Map<string, Promise<void>>();

  constructor(
    definition: SagaDefinition<TData>,
    uow: UnitOfWork,
    private readonly store: SagaStore,
  ) {
    this.plan = new SagaPlan(definition);
    this.commits = new SagaCommits(this.plan, uow, store);
    this.name = this.plan.name;
    this.logger = new Logger(`Saga ${this.name}`);
  }

  /** The event stream of one instance: `<name>-<id>`. */
  streamId(id: string): string {
    return this.plan.streamId(id);
  }

  /** The longest a single transition can take: a subscription driving this saga needs at least this timeout. */
  get longestStepMs(): number {
    return Math.max(...this.plan.timeouts);
  }

  /**
   * Starts an instance inside the caller's unit of work: its row and its first event(s) (at
   * version 1.. of the saga's stream) commit with the caller's own writes, or not at all.
   * The subscription on the saga's events takes it from there.
   */
  async start(
    tx: Transaction,
    id: string,
    data: TData,
    events: Publishable | Publishable[],
  ): Promise<SagaStateView<TData>> {
    const stored = await tx.append(events, {
      streamId: this.streamId(id),
      expectedVersion: 0,
    });
    const record = startRecord(this.plan, id, data, stored, new Date());
    await this.commits.insert(tx, record);
    return sagaView(this.plan, record);
  }

  async get(id: string): Promise<SagaStateView<TData> | null> {
    const record = await this.store.get(this.name, id);
    return record && sagaView(this.plan, record);
  }

  async getMany(ids: string[]): Promise<Map<string, SagaStateView<TData>>> {
    const records = await this.store.getMany(this.name, ids);
    return new Map(
      records.map((record) => [record.id, sagaView(this.plan, record)]),
    );
  }

  /**
   * The body of the durable handler that drives this saga: reacts to the newest event of an
   * unfinished instance by taking its next transition(s), up to and including the next one that
   * emits an event (which wakes this handler again). Any other event (a re-delivery after a
   * crash, an event of a finished saga, one someone else appended to the stream) is skipped.
   * Throws only what retrying can cure (the database, a failing compensation); a failing step
   * is a transition, not an error.
   */
  async handle(event: StoredEvent, context: HandlerContext): Promise<void> {
    if (context.replay) return;
    const prefix = `${this.name}-`;
    if (!event.streamId?.startsWith(prefix)) return;
    const id = event.streamId.slice(prefix.length);
    await this.exclusive(id, () =>
      this.drive(id, {
        eventId: event.id,
        untilEvent: true,
        signal: context.signal,
        causationId: event.id,
      }),
    );
  }

  /**
   * Drives a stalled instance to its end (the sweep): steps time out, so this ends too, unless a
   * compensation keeps failing, which throws and is tried again by the next sweep.
   */
  async resume(id: string): Promise<void> {
    await this.exclusive(id, async () => {
      const record = await this.store.get(this.name, id);
      if (!record || isTerminal(record)) return;
      this.logger.warn(
        `${id} made no progress since ${record.updatedAt}: driving it from ${record.status} step ${this.plan.currentStep(record)?.name ?? '-'}`,
      );
      await eventContext.run(
        { correlationId: record.correlationId ?? undefined, inHandler: true },
        () =>
          this.drive(id, {
            untilEvent: false,
            causationId: record.lastEventId ?? undefined,
          }),
      );
    });
  }

  private async drive(
    id: string,
    options: {
      /** Act only if this is still the saga's newest own event. */
      eventId?: string;
      untilEvent: boolean;
      signal?: AbortSignal;
      /** The event this drive answers; the first transition's events name it as their cause. */
      causationId?: string;
    },
  ): Promise<void> {
    for (;;) {
      const record = await this.store.get(this.name, id);
      if (!record || isTerminal(record)) return;
      if (
        options.eventId !== undefined &&
        record.lastEventId !== options.eventId
      )
        return;
      const outcome = await this.act(record, options);
      if (outcome === 'stale') return;
      if (outcome === 'appended' && options.untilEvent) return;
    }
  }

  /** Runs the current step (or compensation), then commits where its outcome leads. */
  private async act(
    record: SagaRecord,
    { signal, causationId }: { signal?: AbortSignal; causationId?: string },
  ): Promise<CommitOutcome> {
    const outcome =
      record.status === 'running'
        ? await this.runStep(record, signal)
        : await this.compensateStep(record, signal);
    const next = transition(this.plan, record, outcome, new Date());
    return this.commits.commit(record, next, causationId);
  }

  private async runStep(
    record: SagaRecord,
    signal: AbortSignal | undefined,
  ): Promise<StepOutcome> {
    const index = record.nextStep;
    const step = this.plan.steps[index];
    try {
      const result = await withStepTimeout(
        (stepSignal) => step.run({ ...contextOf(record), signal: stepSignal }),
        this.plan.timeouts[index],
        signal,
        { saga: this.name, step: step.name },
      );
      return { completed: result };
    } catch (error) {
      // The handler itself was aborted (its own timeout): not the step's failure, retry it.
      if (signal?.aborted) throw error;
      this.logger.warn(
        `${record.id}: step ${step.name} failed, compensating: ${error instanceof Error ? error.message : String(error)}`,
      );
      return { failed: error };
    }
  }

  /** A compensation that fails is not a decision to take: it throws, and is retried. */
  private async compensateStep(
    record: SagaRecord,
    signal: AbortSignal | undefined,
  ): Promise<StepOutcome> {
    const index = this.plan.compensableAtOrBelow(record.nextStep);
    if (index < 0) return { compensated: undefined };
    const step = this.plan.steps[index];
    const compensate = step.compensate as NonNullable<typeof step.compensate>;
    const outcome = await withStepTimeout(
      (stepSignal) =>
        compensate(
          { ...contextOf(record), signal: stepSignal },
          record.results[step.name],
        ),
      this.plan.timeouts[index],
      signal,
      { saga: this.name, step: `${step.name} (compensation)` },
    );
    return { compensated: outcome };
  }

  private async exclusive(
    id: string,
    work: () => Promise<void>,
  ): Promise<void> {
    const previous = this.busy.get(id) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const mine = previous.then(() => done);
    this.busy.set(id, mine);
    await previous;
    try {
      await work();
    } finally {
      release();
      if (this.busy.get(id) === mine) this.busy.delete(id);
    }
  }
}
