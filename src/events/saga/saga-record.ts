import type {
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
  /** Version of the saga's event stream: the wake-up event an action answers to. */
  version: number;
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
