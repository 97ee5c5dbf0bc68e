// The events module's public API: what feature modules import.
export { EventsModule } from './events.module.js';
export { EventBus, type PublishOptions } from './bus/event-bus.js';
export { UnitOfWork } from './bus/unit-of-work.js';
export type { Transaction } from './bus/transaction.js';
export { DomainEvent, type EventClass } from './bus/domain-event.decorator.js';
export { OwnedStreams } from './bus/owned-streams.js';
export { SystemEvents, type DeadLetteredNotice } from './bus/live-events.js';
export type { Publishable } from './bus/event-preparer.js';
export {
  OnDomainEvent,
  OnDomainEvents,
  type OnDomainEventOptions,
} from './dispatch/on-domain-event.decorator.js';
export type {
  DomainEventHandler,
  HandlerContext,
  TransactionalHandlerContext,
} from './dispatch/handler-context.js';
export { OnReset, type ResetHook } from './dispatch/on-reset.decorator.js';
export { Dispatcher } from './dispatch/dispatcher.js';
export {
  ReplayService,
  type ReplayRequest,
  type ReplayPreview,
} from './replay/replay.service.js';
export type { ReplayJob, ReplayState } from './replay/replay-job.js';
export {
  RetentionService,
  type PruneReport,
} from './retention/retention.service.js';
export { SubscriptionFactory } from './dispatch/subscription-factory.js';
export type { SubscriptionDefinition } from './dispatch/subscription-definition.js';
export { EventStore } from './store/event-store.js';
export { AggregateRoot, type AppliedEvent } from './sourcing/aggregate-root.js';
export {
  toCloudEvent,
  type CloudEventJson,
} from './http/cloud-event.mapper.js';
export type { StoredEvent, EventMetadata } from './store/stored-event.js';
export type {
  NewEvent,
  AppendOptions,
  ExpectedVersion,
} from './store/new-event.js';
export { ConcurrencyError } from './errors/concurrency.error.js';
export { PermanentFailure } from './errors/handler-failures.js';
export { EventPattern } from './event-pattern.js';
export { WebhookService } from './webhooks/webhook.service.js';
export {
  WEBHOOK_DNS_LOOKUP,
  type DnsLookup,
  type ResolvedAddress,
} from './webhooks/webhook-dns.js';
export {
  binaryMessage,
  structuredMessage,
} from './cloudevents/cloud-event-writer.js';
export { SagaModule } from './saga/saga.module.js';
export { SagaOrchestrator } from './saga/saga-orchestrator.js';
export { Saga } from './saga/saga.js';
export {
  defineSaga,
  type SagaContext,
  type SagaDefinition,
  type SagaFailure,
  type SagaHistoryEntry,
  type SagaStateView,
  type SagaStatus,
  type SagaStep,
  type SagaStepContext,
} from './saga/saga-definition.js';
export { SagaStepTimeoutError } from './saga/saga.errors.js';
