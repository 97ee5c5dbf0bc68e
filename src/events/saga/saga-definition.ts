import type { Publishable } from '../bus/event-preparer.js';
import type { Transaction } from '../bus/transaction.js';

/** What a step's callbacks see: the saga's input and the results of the steps before it. */
export interface SagaContext<TData> {
  /** The saga instance's id (for orders: the order id); the idempotency key of every effect. */
  readonly sagaId: string;
  readonly data: TData;
  /** Results of completed steps, by step name (JSON, as `run` returned them). */
  readonly results: Readonly<Record<string, unknown>>;
}

export interface SagaStepContext<TData> extends SagaContext<TData> {
  /** Aborted when the step exceeds its timeout: pass it on, and check it before writing. */
  readonly signal: AbortSignal;
}

/** Why a saga is being compensated: the step that failed and its error message. */
export interface SagaFailure {
  step: string;
  reason: string;
}

/**
 * One step of a saga. `run` and `compensate` are called at least once, and may be called again
 * after a crash or a timeout: make them idempotent, keyed by `sagaId` (+ the step name), like
 * any call to a remote service that must not happen twice.
 */
export interface SagaStep<TData, TResult = unknown> {
  /** Stable name: stored in the saga's history and results. */
  name: string;
  /** Does the step's work; its (JSON) result is kept for later steps and for `compensate`. Throw to fail. */
  run(context: SagaStepContext<TData>): Promise<TResult>;
  /**
   * Undoes the step. Called in reverse order for every completed step when a later one fails,
   * and for the failing step itself (its effect may have landed just before a timeout): then
   * `result` is undefined. A compensation that throws is retried until it succeeds.
   */
  compensate?(
    context: SagaStepContext<TData>,
    result: TResult | undefined,
  ): Promise<unknown>;
  /** Longest run (or compensation) allowed; a slower step fails. Default: the saga's stepTimeout. */
  timeout?: number | string;
  /** Event(s) committed with the step's completion, e.g. `order.stock_reserved`. */
  completed?(
    context: SagaContext<TData>,
    result: TResult,
  ): Publishable | Publishable[] | undefined;
  /** Event(s) committed with the compensation; gets what `compensate` returned. */
  compensated?(
    context: SagaContext<TData>,
    outcome: unknown,
  ): Publishable | Publishable[] | undefined;
}

/**
 * A saga: ordered steps, each with an optional compensation, run one at a time by a durable
 * subscription on the saga's own events. Every transition (step done, step failed, step
 * compensated) is committed together with the saga's state and the events it emits.
 */
export interface SagaDefinition<TData> {
  /** Lower-case name, e.g. `order`; the saga's event stream is `<name>-<sagaId>`. */
  name: string;
  /** Steps in order. At least one. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each step has its own result type
  steps: SagaStep<TData, any>[];
  /** Default timeout of a step; 10s when not given. */
  stepTimeout?: number | string;
  /**
   * How long a saga may make no progress beyond its current step's timeout before the sweep
   * drives it itself (its wake-up event was parked, say). Default 1m.
   */
  stallTimeout?: number | string;
  /** Event(s) committed with the failure of a step, before compensation starts. */
  failed?(
    context: SagaContext<TData>,
    failure: SagaFailure,
  ): Publishable | Publishable[] | undefined;
  /** Event(s) committed when the last step completes. */
  completed?(
    context: SagaContext<TData>,
  ): Publishable | Publishable[] | undefined;
  /** Event(s) committed when the last compensation is done, e.g. `order.cancelled`. */
  cancelled?(
    context: SagaContext<TData>,
    failure: SagaFailure,
  ): Publishable | Publishable[] | undefined;
  /** Writes of the module's own committed with every transition (a status column, say). */
  onTransition?(tx: Transaction, state: SagaStateView<TData>): Promise<void>;
}

export type SagaStatus = 'running' | 'compensating' | 'completed' | 'cancelled';

export interface SagaHistoryEntry {
  step: string;
  action: 'run' | 'compensate';
  status: 'completed' | 'failed';
  /** ISO-8601 time the outcome was recorded. */
  at: string;
  error?: string;
}

/** A saga instance as stored. */
export interface SagaStateView<TData> {
  saga: string;
  id: string;
  streamId: string;
  status: SagaStatus;
  /** The step that runs (or is compensated) next; null once the saga has ended. */
  currentStep: string | null;
  data: TData;
  results: Record<string, unknown>;
  history: SagaHistoryEntry[];
  failure: SagaFailure | null;
  /** Version of the saga's event stream. */
  version: number;
  correlationId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Declares a saga; a typed identity function, so step callbacks infer `TData`. */
export function defineSaga<TData>(
  definition: SagaDefinition<TData>,
): SagaDefinition<TData> {
  return definition;
}
