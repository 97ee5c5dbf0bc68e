import { Logger } from '@nestjs/common';
import { publicMessage } from '../../common/errors/public-error.js';
import { parseDurationMs } from '../../config/duration.js';
import { eventContext } from '../bus/event-context.js';
import type { Publishable } from '../bus/event-preparer.js';
import type { Transaction } from '../bus/transaction.js';
import type { UnitOfWork } from '../bus/unit-of-work.js';
import type { HandlerContext } from '../dispatch/handler-context.js';
import type { StoredEvent } from '../store/stored-event.js';
import type {
  SagaContext,
  SagaDefinition,
  SagaFailure,
  SagaHistoryEntry,
  SagaStateView,
  SagaStep,
} from './saga-definition.js';
import { isTerminal, type SagaRecord } from './saga-record.js';
import type { SagaStore } from './saga-store.js';
import { StaleSagaError } from './saga.errors.js';
import { withStepTimeout } from './step-timeout.js';

const SAGA_NAME = /^[a-z0-9]+(_[a-z0-9]+)*$/;
const DEFAULT_STEP_TIMEOUT_MS = 10_000;
const DEFAULT_STALL_TIMEOUT_MS = 60_000;

type Outcome = 'appended' | 'committed' | 'stale';

/** One transition being taken: the state it starts from, and what it answers to. */
interface Turn {
  record: SagaRecord;
  signal?: AbortSignal;
  causationId?: string;
}

/**
 * A registered saga: starts instances, advances them one transition at a time, and reads
 * their state. Built by SagaOrchestrator.register().
 *
 * Each transition is one commit: the saga row (status, next step, results, history), the
 * events the transition emits (appended to the saga's stream) and the module's onTransition
 * writes, guarded by the row's revision so that of two drivers only one commits. A step's effect itself happens before that
 * commit, outside it, so it is repeated if the process dies in between: steps are idempotent
 * per saga id. A failure is committed before any compensation runs, so a step is never retried
 * after its saga has started undoing it.
 */
export class Saga<TData> {
  readonly name: string;
  private readonly steps: SagaStep<TData>[];
  private readonly timeouts: number[];
  private readonly stallMs: number;
  private readonly logger: Logger;
  /** One driver per saga instance in this process; others wait their turn, then re-read. */
  private readonly busy = new Map<string, Promise<void>>();

  constructor(
    private readonly definition: SagaDefinition<TData>,
    private readonly uow: UnitOfWork,
    private readonly store: SagaStore,
  ) {
    this.name = definition.name;
    if (!SAGA_NAME.test(this.name))
      throw new Error(
        `saga name ${JSON.stringify(this.name)} must be lower-case words joined by '_'`,
      );
    if (definition.steps.length === 0)
      throw new Error(`saga ${this.name} has no steps`);
    const names = new Set(definition.steps.map((step) => step.name));
    if (names.size !== definition.steps.length)
      throw new Error(`saga ${this.name} has two steps with the same name`);
    this.steps = definition.steps;
    const stepTimeout = duration(
      definition.stepTimeout,
      DEFAULT_STEP_TIMEOUT_MS,
      `saga ${this.name} stepTimeout`,
    );
    this.timeouts = definition.steps.map((step) =>
      duration(step.timeout, stepTimeout, `saga ${this.name} ${step.name}`),
    );
    this.stallMs = duration(
      definition.stallTimeout,
      DEFAULT_STALL_TIMEOUT_MS,
      `saga ${this.name} stallTimeout`,
    );
    this.logger = new Logger(`Saga ${this.name}`);
  }

  /** The event stream of one instance: `<name>-<id>`. */
  streamId(id: string): string {
    return `${this.name}-${id}`;
  }

  /** The longest a single transition can take: a subscription driving this saga needs at least this timeout. */
  get longestStepMs(): number {
    return Math.max(...this.timeouts);
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
    const streamId = this.streamId(id);
    const stored = await tx.append(events, { streamId, expectedVersion: 0 });
    const now = new Date();
    const record: SagaRecord = {
      saga: this.name,
      id,
      streamId,
      status: 'running',
      nextStep: 0,
      data,
      results: {},
      history: [],
      failure: null,
      version: stored[stored.length - 1].streamVersion ?? stored.length,
      lastEventId: stored[stored.length - 1].id,
      revision: 1,
      correlationId: stored[0].correlationId ?? null,
      wakeAt: now.getTime() + this.timeouts[0] + this.stallMs,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    await this.store.insert(tx.queryRunner, record);
    const view = this.view(record);
    await this.definition.onTransition?.(tx, view);
    return view;
  }

  async get(id: string): Promise<SagaStateView<TData> | null> {
    const record = await this.store.get(this.name, id);
    return record && this.view(record);
  }

  async getMany(ids: string[]): Promise<Map<string, SagaStateView<TData>>> {
    const records = await this.store.getMany(this.name, ids);
    return new Map(records.map((record) => [record.id, this.view(record)]));
  }

  /**
   * The body of the durable handler that drives this saga: reacts to the newest event of an
   * unfinished instance by taking its next transition(s), up to and including the next one that
   * emits an event (which wakes this handler again). Any other event (a re-delivery after a
   * crash, an event of a finished saga, one someone else appended to the stream) is skipped. Throws only what retrying can cure (the database,
   * a failing compensation); a failing step is a transition, not an error.
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
        `${id} made no progress since ${record.updatedAt}: driving it from ${record.status} step ${this.steps[record.nextStep]?.name ?? '-'}`,
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
    const { causationId } = options;
    for (;;) {
      const record = await this.store.get(this.name, id);
      if (!record || isTerminal(record)) return;
      if (
        options.eventId !== undefined &&
        record.lastEventId !== options.eventId
      )
        return;
      const outcome = await this.act(record, options.signal, causationId);
      if (outcome === 'stale') return;
      if (outcome === 'appended' && options.untilEvent) return;
    }
  }

  /** Takes one transition of `record` and commits it. */
  private act(
    record: SagaRecord,
    signal: AbortSignal | undefined,
    causationId: string | undefined,
  ): Promise<Outcome> {
    const turn: Turn = { record, signal, causationId };
    return record.status === 'running'
      ? this.runStep(turn)
      : this.compensateStep(turn);
  }

  private async runStep(turn: Turn): Promise<Outcome> {
    const { record, signal } = turn;
    const index = record.nextStep;
    const step = this.steps[index];
    const context = this.context(record);
    let result: unknown;
    try {
      result = await withStepTimeout(
        (stepSignal) => step.run({ ...context, signal: stepSignal }),
        this.timeouts[index],
        signal,
        { saga: this.name, step: step.name },
      );
    } catch (error) {
      // The handler itself was aborted (its own timeout): not the step's failure, retry it.
      if (signal?.aborted) throw error;
      return this.fail(turn, step, error);
    }
    const next = this.advance(record, {
      nextStep: index + 1,
      results: { ...record.results, [step.name]: result ?? null },
      entry: { step: step.name, action: 'run', status: 'completed' },
    });
    const events = list(step.completed?.(context, result));
    if (next.nextStep >= this.steps.length) {
      next.status = 'completed';
      events.push(...list(this.definition.completed?.(this.context(next))));
    }
    return this.commit(turn, this.scheduled(next), events);
  }

  private fail(
    turn: Turn,
    step: SagaStep<TData>,
    error: unknown,
  ): Promise<Outcome> {
    const { record } = turn;
    // The reason is shown to clients (the order's status, order.cancelled); the log keeps it whole.
    const reason = publicMessage(error);
    const failure: SagaFailure = { step: step.name, reason };
    this.logger.warn(
      `${record.id}: step ${step.name} failed, compensating: ${error instanceof Error ? error.message : String(error)}`,
    );
    const next = this.advance(record, {
      status: 'compensating',
      // The failed step is compensated too: its effect may have landed before it timed out.
      nextStep: record.nextStep,
      entry: {
        step: step.name,
        action: 'run',
        status: 'failed',
        error: reason,
      },
    });
    next.failure = failure;
    const events = list(
      this.definition.failed?.(this.context(record), failure),
    );
    return this.commit(turn, this.settleCompensation(next, events), events);
  }

  private async compensateStep(turn: Turn): Promise<Outcome> {
    const { record, signal } = turn;
    const index = this.compensableAtOrBelow(record.nextStep);
    if (index < 0) {
      const events: Publishable[] = [];
      const next = this.settleCompensation(this.advance(record, {}), events);
      return this.commit(turn, next, events);
    }
    const step = this.steps[index];
    const context = this.context(record);
    const compensate = step.compensate as NonNullable<typeof step.compensate>;
    // A compensation that fails is not a decision to take: it throws, and is retried.
    const outcome = await withStepTimeout(
      (stepSignal) =>
        compensate(
          { ...context, signal: stepSignal },
          record.results[step.name],
        ),
      this.timeouts[index],
      signal,
      { saga: this.name, step: `${step.name} (compensation)` },
    );
    const events = list(step.compensated?.(context, outcome));
    const next = this.advance(record, {
      nextStep: index - 1,
      entry: { step: step.name, action: 'compensate', status: 'completed' },
    });
    return this.commit(turn, this.settleCompensation(next, events), events);
  }

  /** Once nothing is left to compensate, the saga ends as cancelled (in the same commit). */
  private settleCompensation(
    next: SagaRecord,
    events: Publishable[],
  ): SagaRecord {
    if (this.compensableAtOrBelow(next.nextStep) < 0) {
      next.status = 'cancelled';
      next.nextStep = -1;
      events.push(
        ...list(
          this.definition.cancelled?.(
            this.context(next),
            next.failure as SagaFailure,
          ),
        ),
      );
    }
    return this.scheduled(next);
  }

  private compensableAtOrBelow(index: number): number {
    for (let i = Math.min(index, this.steps.length - 1); i >= 0; i--) {
      if (this.steps[i].compensate) return i;
    }
    return -1;
  }

  private advance(
    record: SagaRecord,
    change: {
      status?: SagaRecord['status'];
      nextStep?: number;
      results?: Record<string, unknown>;
      entry?: Omit<SagaHistoryEntry, 'at'>;
    },
  ): SagaRecord {
    const now = new Date().toISOString();
    return {
      ...record,
      status: change.status ?? record.status,
      nextStep: change.nextStep ?? record.nextStep,
      results: change.results ?? record.results,
      history: change.entry
        ? [...record.history, { ...change.entry, at: now }]
        : record.history,
      revision: record.revision + 1,
      updatedAt: now,
    };
  }

  /** When the sweep may take over if this instance stops making progress. */
  private scheduled(next: SagaRecord): SagaRecord {
    if (isTerminal(next)) {
      next.wakeAt = null;
    } else {
      const index =
        next.status === 'running'
          ? next.nextStep
          : Math.max(this.compensableAtOrBelow(next.nextStep), 0);
      next.wakeAt = Date.now() + this.timeouts[index] + this.stallMs;
    }
    return next;
  }

  /**
   * Correlation and causation are passed explicitly rather than taken from the ambient context:
   * the chain stays whole however a step's promise was created.
   */
  private async commit(
    { record, causationId }: Turn,
    next: SagaRecord,
    events: Publishable[],
  ): Promise<Outcome> {
    try {
      await this.uow.run(async (tx) => {
        if (events.length > 0) {
          // The row's revision guards against a concurrent driver (checked below, same
          // transaction); the stream may also hold events others appended to it.
          const stored = await tx.append(events, {
            streamId: record.streamId,
            expectedVersion: 'any',
            correlationId: record.correlationId ?? undefined,
            causationId: causationId ?? null,
          });
          const newest = stored[stored.length - 1];
          next.version = newest.streamVersion ?? record.version + stored.length;
          next.lastEventId = newest.id;
        }
        if (!(await this.store.update(tx.queryRunner, next, record.revision)))
          throw new StaleSagaError(this.name, record.id);
        await this.definition.onTransition?.(tx, this.view(next));
      });
    } catch (error) {
      if (error instanceof StaleSagaError) return 'stale';
      throw error;
    }
    return events.length > 0 ? 'appended' : 'committed';
  }

  private context(record: SagaRecord): SagaContext<TData> {
    return {
      sagaId: record.id,
      data: record.data as TData,
      results: record.results,
    };
  }

  private view(record: SagaRecord): SagaStateView<TData> {
    return {
      saga: record.saga,
      id: record.id,
      streamId: record.streamId,
      status: record.status,
      currentStep: isTerminal(record)
        ? null
        : (this.steps[
            record.status === 'running'
              ? record.nextStep
              : Math.max(this.compensableAtOrBelow(record.nextStep), 0)
          ]?.name ?? null),
      data: record.data as TData,
      results: record.results,
      history: record.history,
      failure: record.failure,
      version: record.version,
      correlationId: record.correlationId,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    };
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

function list(events: Publishable | Publishable[] | undefined): Publishable[] {
  if (events === undefined) return [];
  return Array.isArray(events) ? [...events] : [events];
}

function duration(
  value: number | string | undefined,
  fallback: number,
  what: string,
): number {
  if (value === undefined) return fallback;
  const parsed = parseDurationMs(value);
  if (parsed === undefined || parsed <= 0)
    throw new Error(`${what}: ${JSON.stringify(value)} is not a duration`);
  return parsed;
}
