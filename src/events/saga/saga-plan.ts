import { parseDurationMs } from '../../config/duration.js';
import type { SagaDefinition, SagaStep } from './saga-definition.js';
import { isTerminal, type SagaRecord } from './saga-record.js';

const SAGA_NAME = /^[a-z0-9]+(_[a-z0-9]+)*$/;
const DEFAULT_STEP_TIMEOUT_MS = 10_000;
const DEFAULT_STALL_TIMEOUT_MS = 60_000;

/**
 * A saga definition, checked (a valid name, at least one step, distinct step names, durations
 * that parse) and with its defaults applied: what the transitions, the runner and the views
 * read. Registering a definition that fails a check throws, naming the saga.
 */
export class SagaPlan<TData> {
  readonly name: string;
  readonly steps: readonly SagaStep<TData>[];
  /** Per step: how long its run, or its compensation, may take. */
  readonly timeouts: readonly number[];
  /** How long past its current step's timeout an instance may stall before the sweep takes it. */
  readonly stallMs: number;

  constructor(readonly definition: SagaDefinition<TData>) {
    const { name, steps } = definition;
    if (!SAGA_NAME.test(name))
      throw new Error(
        `saga name ${JSON.stringify(name)} must be lower-case words joined by '_'`,
      );
    if (steps.length === 0) throw new Error(`saga ${name} has no steps`);
    if (new Set(steps.map((step) => step.name)).size !== steps.length)
      throw new Error(`saga ${name} has two steps with the same name`);
    this.name = name;
    this.steps = steps;
    const stepTimeout = duration(
      definition.stepTimeout,
      DEFAULT_STEP_TIMEOUT_MS,
      `saga ${name} stepTimeout`,
    );
    this.timeouts = steps.map((step) =>
      duration(step.timeout, stepTimeout, `saga ${name} ${step.name}`),
    );
    this.stallMs = duration(
      definition.stallTimeout,
      DEFAULT_STALL_TIMEOUT_MS,
      `saga ${name} stallTimeout`,
    );
  }

  /** The event stream of one instance: `<name>-<id>`. */
  streamId(id: string): string {
    return `${this.name}-${id}`;
  }

  /** The index of the nearest step at or below `index` that has a compensation; -1 if none. */
  compensableAtOrBelow(index: number): number {
    for (let i = Math.min(index, this.steps.length - 1); i >= 0; i--) {
      if (this.steps[i].compensate) return i;
    }
    return -1;
  }

  /** The step an unfinished instance runs, or compensates, next; null once it has ended. */
  currentStep(record: SagaRecord): SagaStep<TData> | null {
    if (isTerminal(record)) return null;
    return this.steps[this.currentIndex(record)] ?? null;
  }

  /** When the sweep may take the instance over, should it stop making progress. */
  wakeAt(record: SagaRecord, now: number): number | null {
    if (isTerminal(record)) return null;
    return now + this.timeouts[this.currentIndex(record)] + this.stallMs;
  }

  private currentIndex(record: SagaRecord): number {
    return record.status === 'running'
      ? record.nextStep
      : Math.max(this.compensableAtOrBelow(record.nextStep), 0);
  }
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
