import type { SagaStateView } from './saga-definition.js';
import type { SagaPlan } from './saga-plan.js';
import type { SagaRecord } from './saga-record.js';

/** An instance as modules and clients see it: the record without the runner's bookkeeping. */
export function sagaView<TData>(
  plan: SagaPlan<TData>,
  record: SagaRecord,
): SagaStateView<TData> {
  return {
    saga: record.saga,
    id: record.id,
    streamId: record.streamId,
    status: record.status,
    currentStep: plan.currentStep(record)?.name ?? null,
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
