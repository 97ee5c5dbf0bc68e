import { publicMessage } from '../../common/errors/public-error.js';
import type { Publishable } from '../bus/event-preparer.js';
import type { StoredEvent } from '../store/stored-event.js';
import type { SagaFailure, SagaHistoryEntry } from './saga-definition.js';
import type { SagaPlan } from './saga-plan.js';
import { contextOf, type SagaRecord } from './saga-record.js';

/**
 * What came of the instance's current step: its run returned (`completed`) or threw
 * (`failed`), or, while compensating, its compensation returned (`compensated`).
 */
export type StepOutcome =
  { completed: unknown } | { failed: unknown } | { compensated: unknown };

/** The next state of an instance, and the events committed with it. */
export interface Transition {
  next: SagaRecord;
  events: Publishable[];
}

/**
 * The record of a new instance whose first events (`stored`, at versions 1..n of its stream)
 * the caller has just appended.
 */
export function startRecord<TData>(
  plan: SagaPlan<TData>,
  id: string,
  data: TData,
  stored: Pick<StoredEvent, 'id' | 'streamVersion' | 'correlationId'>[],
  now: Date,
): SagaRecord {
  const newest = stored[stored.length - 1];
  const record: SagaRecord = {
    saga: plan.name,
    id,
    streamId: plan.streamId(id),
    status: 'running',
    nextStep: 0,
    data,
    results: {},
    history: [],
    failure: null,
    version: newest.streamVersion ?? stored.length,
    lastEventId: newest.id,
    revision: 1,
    correlationId: stored[0].correlationId ?? null,
    wakeAt: null,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  record.wakeAt = plan.wakeAt(record, now.getTime());
  return record;
}

/**
 * Where an instance goes from `record` given its current step's outcome: pure, so that every
 * path of a saga can be tested without running a step or touching a database. A failure is
 * recorded before any compensation runs; the failed step is compensated too (its effect may
 * have landed before it timed out); once nothing is left to compensate, the saga is cancelled
 * in the same transition.
 */
export function transition<TData>(
  plan: SagaPlan<TData>,
  record: SagaRecord,
  outcome: StepOutcome,
  now: Date,
): Transition {
  if (record.status === 'running') {
    if ('completed' in outcome)
      return completed(plan, record, outcome.completed, now);
    if ('failed' in outcome) return failed(plan, record, outcome.failed, now);
  } else if (record.status === 'compensating' && 'compensated' in outcome) {
    return compensated(plan, record, outcome.compensated, now);
  }
  throw new Error(
    `saga ${plan.name} ${record.id} is ${record.status}: ${Object.keys(outcome).join()} is not an outcome it can take`,
  );
}

function completed<TData>(
  plan: SagaPlan<TData>,
  record: SagaRecord,
  result: unknown,
  now: Date,
): Transition {
  const step = plan.steps[record.nextStep];
  const next = advance(record, now, {
    nextStep: record.nextStep + 1,
    results: { ...record.results, [step.name]: result ?? null },
    entry: { step: step.name, action: 'run', status: 'completed' },
  });
  const events = list(step.completed?.(contextOf(record), result));
  if (next.nextStep >= plan.steps.length) {
    next.status = 'completed';
    events.push(...list(plan.definition.completed?.(contextOf(next))));
  }
  next.wakeAt = plan.wakeAt(next, now.getTime());
  return { next, events };
}

function failed<TData>(
  plan: SagaPlan<TData>,
  record: SagaRecord,
  error: unknown,
  now: Date,
): Transition {
  const step = plan.steps[record.nextStep];
  // The reason is shown to clients (an order's status, order.cancelled); the log keeps it whole.
  const failure: SagaFailure = {
    step: step.name,
    reason: publicMessage(error),
  };
  const next = advance(record, now, {
    status: 'compensating',
    nextStep: record.nextStep,
    entry: {
      step: step.name,
      action: 'run',
      status: 'failed',
      error: failure.reason,
    },
  });
  next.failure = failure;
  const events = list(plan.definition.failed?.(contextOf(record), failure));
  return settle(plan, next, events, now);
}

function compensated<TData>(
  plan: SagaPlan<TData>,
  record: SagaRecord,
  outcome: unknown,
  now: Date,
): Transition {
  const index = plan.compensableAtOrBelow(record.nextStep);
  if (index < 0) return settle(plan, advance(record, now, {}), [], now);
  const step = plan.steps[index];
  const events = list(step.compensated?.(contextOf(record), outcome));
  const next = advance(record, now, {
    nextStep: index - 1,
    entry: { step: step.name, action: 'compensate', status: 'completed' },
  });
  return settle(plan, next, events, now);
}

/** Once nothing is left to compensate, the saga ends as cancelled, in the same transition. */
function settle<TData>(
  plan: SagaPlan<TData>,
  next: SagaRecord,
  events: Publishable[],
  now: Date,
): Transition {
  if (plan.compensableAtOrBelow(next.nextStep) < 0) {
    next.status = 'cancelled';
    next.nextStep = -1;
    const failure = next.failure as SagaFailure;
    events.push(...list(plan.definition.cancelled?.(contextOf(next), failure)));
  }
  next.wakeAt = plan.wakeAt(next, now.getTime());
  return { next, events };
}

function advance(
  record: SagaRecord,
  now: Date,
  change: {
    status?: SagaRecord['status'];
    nextStep?: number;
    results?: Record<string, unknown>;
    entry?: Omit<SagaHistoryEntry, 'at'>;
  },
): SagaRecord {
  const at = now.toISOString();
  return {
    ...record,
    status: change.status ?? record.status,
    nextStep: change.nextStep ?? record.nextStep,
    results: change.results ?? record.results,
    history: change.entry
      ? [...record.history, { ...change.entry, at }]
      : record.history,
    revision: record.revision + 1,
    updatedAt: at,
  };
}

function list(events: Publishable | Publishable[] | undefined): Publishable[] {
  if (events === undefined) return [];
  return Array.isArray(events) ? [...events] : [events];
}
