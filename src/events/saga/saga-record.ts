import type {
  SagaContext,
  SagaFailure,
  SagaHistoryEntry,
  SagaStatus,
} from './saga-definition.js';

/** A saga instance as the runner keeps it: the public view plus its bookkeeping. */
export interface SagaRecord {
  saga: string;
  id: string;
  streamId: string;
  status: SagaStatus;
  /**
   * Running: index of the step to run next. Compensating: index of the step to compensate next
   * (counting down; steps without a compensation are skipped).
   */
  nextStep: number;
  data: unknown;
  results: Record<string, unknown>;
  history: SagaHistoryEntry[];
  failure: SagaFailure | null;
  /** Stream version of the saga's newest own event. */
  version: number;
  /**
   * Id of the saga's newest own event: only that event wakes it. Re-deliveries of older ones,
   * and events someone else appended to the stream, are ignored.
   */
  lastEventId: string | null;
  /** Bumped by every committed transition; guards against two drivers acting at once. */
  revision: number;
  correlationId: string | null;
  /** Epoch ms after which the sweep may drive a stalled saga; null once it has ended. */
  wakeAt: number | null;
  createdAt: string;
  updatedAt: string;
}

export function isTerminal(record: Pick<SagaRecord, 'status'>): boolean {
  return record.status === 'completed' || record.status === 'cancelled';
}

/** What a step's callbacks see of an instance. */
export function contextOf<TData>(record: SagaRecord): SagaContext<TData> {
  return {
    sagaId: record.id,
    data: record.data as TData,
    results: record.results,
  };
}
