// The event platform's public API: everything a feature module (or the application) may import
// from src/events. A dependency rule (.dependency-cruiser.cjs) keeps features from reaching past it.

// the module
export { EventsModule, type EventsFeature } from './events.module.js';
export type {
  EventsOptions,
  EventsHttpSurface,
} from './options/events.options.js';

// publishing
export { EventBus, type PublishOptions } from './bus/event-bus.js';
export { UnitOfWork } from './bus/unit-of-work.js';
export type { Transaction } from './bus/transaction.js';
export { DomainEvent, type EventClass } from './bus/domain-event.decorator.js';
export type { Publishable } from './bus/event-preparer.js';
export type {
  NewEvent,
  AppendOptions,
  ExpectedVersion,
} from './store/new-event.js';
export { ConcurrencyError } from './errors/concurrency.error.js';

// subscribing
export {
  OnDomainEvent,
  OnDomainEvents,
  type OnDomainEventOptions,
} from './dispatch/on-domain-event.decorator.js';
export type {
  DomainEventHandler,
  DomainEventsHandler,
  HandlerContext,
  TransactionalHandlerContext,
} from './dispatch/handler-context.js';
export { OnReset, type ResetHook } from './dispatch/on-reset.decorator.js';
export {
  DependencyUnavailable,
  PermanentFailure,
} from './errors/handler-failures.js';
export { SystemEvents, type DeadLetteredNotice } from './bus/live-events.js';
export type { StoredEvent, EventMetadata } from './store/stored-event.js';

// reading and event sourcing
export {
  EventStreams,
  type ReadStreamOptions,
} from './sourcing/event-streams.js';
export type { Decider } from './sourcing/decider.js';
export {
  aggregateStream,
  type AggregateOptions,
  type AggregatedStream,
  type StreamReader,
} from './sourcing/aggregate-stream.js';
export {
  CommandHandler,
  type CommandResult,
} from './sourcing/command-handler.js';
export {
  toCloudEvent,
  type CloudEventJson,
} from './cloudevents/cloud-event.mapper.js';

// sagas
export { SagaOrchestrator } from './saga/saga-orchestrator.js';
export type { Saga } from './saga/saga.js';
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

// the application's HTTP wiring and health checks
export {
  EventsHealth,
  type StorageFault,
  type SubscriptionLag,
} from './dispatch/events-health.js';
export { NatsHealth, type NatsConnectionReport } from './nats/nats-health.js';
export type {
  EventsTelemetry,
  DeliveryOutcome,
} from './options/events-telemetry.js';
export { isDeclaredEventType } from './bus/domain-event.decorator.js';
export { registerEventsHttp } from './http/register-events-http.js';
export { correlationIdOf, currentRequestIds } from './http/request-context.js';
export {
  connectEventsGrpc,
  EVENTS_PROTO_LOADER,
  eventsProtoPath,
  type EventsGrpcOptions,
} from './grpc/grpc-transport.js';
