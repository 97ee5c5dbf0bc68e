import { deepStrictEqual } from 'node:assert';
import type { Publishable } from '../bus/event-preparer.js';
import type {
  SagaDefinition,
  SagaFailure,
  SagaStateView,
} from '../saga/saga-definition.js';
import { SagaPlan } from '../saga/saga-plan.js';
import type { SagaRecord } from '../saga/saga-record.js';
import {
  startRecord,
  transition,
  type StepOutcome,
} from '../saga/saga-transitions.js';
import { sagaView } from '../saga/saga-view.js';
import { assertEvents, shapesOf } from './event-expectations.js';

/** An instance to start from: its data, and the step it runs (or compensates) next. */
export interface GivenSaga<TData> {
  data: TData;
  /** The step the instance is at: the next to run, or, when compensating, to undo. */
  step: string;
  /** Default 'running'. */
  status?: 'running' | 'compensating';
  /** Results of the steps already run, by step name. */
  results?: Record<string, unknown>;
  /** Why it is compensating (default: `step` failed). */
  failure?: SagaFailure;
  /** The instance's id (default `saga-1`). */
  id?: string;
}

export interface SagaTransitionResult<TData> {
  state: SagaStateView<TData>;
  events: Publishable[];
}

/**
 * Given/when/then for sagas: given an instance at a step, when that step completes, fails or
 * is compensated, then the saga's next state and the events it emits. Runs the saga's own
 * transitions (the pure part of the runner): no step runs, nothing is stored.
 *
 *   await SagaSpecification.for(definition)
 *     .given({ data, step: 'charge_payment' })
 *     .when({ failed: new PaymentDeclinedError(1_200_000, 1_000_000) })
 *     .then({ status: 'compensating', currentStep: 'charge_payment' }, [new OrderStepFailed(...)]);
 */
export const SagaSpecification = {
  for<TData>(definition: SagaDefinition<TData>) {
    const plan = new SagaPlan(definition);
    return {
      given: (given: GivenSaga<TData>) => ({
        when: (outcome: StepOutcome) =>
          new SagaExpectations(plan, recordOf(plan, given), outcome),
      }),
    };
  },
};

export class SagaExpectations<TData> {
  constructor(
    private readonly plan: SagaPlan<TData>,
    private readonly record: SagaRecord,
    private readonly outcome: StepOutcome,
  ) {}

  /**
   * The next state has these fields (each compared whole; fields not named are not checked)
   * and exactly these events are emitted, in order.
   */
  then(
    expected: Partial<SagaStateView<TData>>,
    events: Publishable | Publishable[],
  ): SagaTransitionResult<TData> {
    const { next, events: emitted } = transition(
      this.plan,
      this.record,
      this.outcome,
      new Date(),
    );
    const state = sagaView(this.plan, next);
    const actual = Object.fromEntries(
      Object.keys(expected).map((key) => [
        key,
        state[key as keyof SagaStateView<TData>],
      ]),
    );
    deepStrictEqual(actual, expected, 'the next saga state differs');
    assertEvents(shapesOf(emitted), events, 'emitted events');
    return { state, events: emitted };
  }
}

function recordOf<TData>(
  plan: SagaPlan<TData>,
  given: GivenSaga<TData>,
): SagaRecord {
  const index = plan.steps.findIndex((step) => step.name === given.step);
  if (index < 0) throw new Error(`saga ${plan.name} has no step ${given.step}`);
  const now = new Date();
  const started = startRecord(
    plan,
    given.id ?? 'saga-1',
    given.data,
    [{ id: 'started-1', streamVersion: 1, correlationId: 'correlation-1' }],
    now,
  );
  const status = given.status ?? 'running';
  const record: SagaRecord = {
    ...started,
    status,
    nextStep: index,
    results: given.results ?? {},
    failure:
      status === 'compensating'
        ? (given.failure ?? { step: given.step, reason: 'failed' })
        : null,
  };
  record.wakeAt = plan.wakeAt(record, now.getTime());
  return record;
}
