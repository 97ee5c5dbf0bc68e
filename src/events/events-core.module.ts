import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CommitFeed } from './bus/commit-feed.js';
import { DeliveryBarrier } from './bus/delivery-barrier.js';
import { EventBus } from './bus/event-bus.js';
import { EventPreparer } from './bus/event-preparer.js';
import { EventWriter } from './bus/event-writer.js';
import { LiveEvents } from './bus/live-events.js';
import { OwnedStreams } from './bus/owned-streams.js';
import { PublishPolicy } from './bus/publish-policy.js';
import { UnitOfWork } from './bus/unit-of-work.js';
import { GroupCommitWriter } from './bus/writer/group-commit-writer.js';
import { CloudEventIngress } from './cloudevents/cloud-event-ingress.js';
import { ClusterJobs } from './dispatch/cluster-jobs.js';
import { ClusterView } from './dispatch/cluster-view.js';
import { CommitListener } from './dispatch/commit-listener.js';
import { CommittedLog } from './dispatch/committed-log.js';
import { DeadLetterService } from './dispatch/dead-letter.service.js';
import { DeliveryStatusService } from './dispatch/delivery-status.service.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { EventStatsService } from './dispatch/event-stats.service.js';
import { EventsHealth } from './dispatch/events-health.js';
import { SubscriptionControl } from './dispatch/subscription-control.js';
import { SubscriptionExplorer } from './dispatch/subscription-explorer.js';
import { SubscriptionFactory } from './dispatch/subscription-factory.js';
import { SynchronousDelivery } from './dispatch/synchronous-delivery.js';
import {
  EVENTS_OPTIONS,
  type EventsHttpSurface,
  type EventsOptions,
} from './options/events.options.js';
import { EventFollower } from './grpc/event-follower.js';
import { EventServiceController } from './grpc/event-service.controller.js';
import { DeadLettersController } from './http/dead-letters.controller.js';
import { EventMonitoringController } from './http/event-monitoring.controller.js';
import { EventsController } from './http/events.controller.js';
import { EventStreamController } from './http/event-stream.controller.js';
import { EventStreamHub } from './stream/event-stream-hub.js';
import { ReplayController } from './http/replay.controller.js';
import { StreamsController } from './http/streams.controller.js';
import { ReplayService } from './replay/replay.service.js';
import { RetentionService } from './retention/retention.service.js';
import { SagaOrchestrator } from './saga/saga-orchestrator.js';
import { SagaStore } from './saga/saga-store.js';
import { CommandHandler } from './sourcing/command-handler.js';
import { EventStreams } from './sourcing/event-streams.js';
import { DeadLetterStore } from './store/dead-letter-store.js';
import { EventStore } from './store/event-store.js';
import { LeaseStore } from './store/lease-store.js';
import { RetentionStore } from './store/retention-store.js';
import { StorageProbe } from './store/storage-probe.js';
import { SubscriptionStore } from './store/subscription-store.js';
import { InboundStore } from './nats/inbound-store.js';
import { NatsLink } from './nats/nats-connection.js';
import { NatsConsumer } from './nats/nats-consumer.js';
import { NatsHealth } from './nats/nats-health.js';
import { NatsRelay } from './nats/nats-relay.js';
import { WebhookSecretVault } from './webhooks/webhook-secret-vault.js';
import { WebhookStore } from './webhooks/webhook-store.js';
import { WebhookSync } from './webhooks/webhook-sync.js';
import { WebhookService } from './webhooks/webhook.service.js';
import { WebhooksController } from './webhooks/webhooks.controller.js';
import { CommitTelemetry } from './bus/commit-telemetry.js';

const CONTROLLERS: Record<EventsHttpSurface, Type[]> = {
  events: [EventsController, EventStreamController],
  streams: [StreamsController],
  replay: [ReplayController],
  deadLetters: [DeadLettersController],
  monitoring: [EventMonitoringController],
  webhooks: [WebhooksController],
};

const PROVIDERS = [
  // the log and the writer
  EventStore,
  SubscriptionStore,
  DeadLetterStore,
  RetentionStore,
  LeaseStore,
  StorageProbe,
  CommitFeed,
  GroupCommitWriter,
  { provide: EventWriter, useExisting: GroupCommitWriter },
  // publishing
  EventPreparer,
  EventBus,
  UnitOfWork,
  EventStreams,
  CommandHandler,
  OwnedStreams,
  PublishPolicy,
  CloudEventIngress,
  LiveEvents,
  CommitTelemetry,
  // delivery
  ClusterJobs,
  ClusterView,
  CommitListener,
  SubscriptionFactory,
  SubscriptionExplorer,
  CommittedLog,
  Dispatcher,
  SubscriptionControl,
  SynchronousDelivery,
  { provide: DeliveryBarrier, useExisting: SynchronousDelivery },
  DeliveryStatusService,
  EventFollower,
  DeadLetterService,
  EventStatsService,
  EventsHealth,
  EventStreamHub,
  // operations
  ReplayService,
  RetentionService,
  SagaStore,
  SagaOrchestrator,
  WebhookStore,
  WebhookSecretVault,
  WebhookService,
  // NATS JetStream (each part idle unless enabled)
  NatsLink,
  NatsRelay,
  InboundStore,
  NatsConsumer,
  NatsHealth,
  WebhookSync,
];

/** What the application and its feature modules may inject (see index.ts). */
const EXPORTS = [
  EVENTS_OPTIONS,
  EventBus,
  UnitOfWork,
  EventStreams,
  CommandHandler,
  EventStore,
  OwnedStreams,
  SagaOrchestrator,
  EventsHealth,
  NatsHealth,
  // for operations code and tests that drive the platform directly
  GroupCommitWriter,
  Dispatcher,
  SubscriptionFactory,
  SubscriptionControl,
  ReplayService,
  RetentionService,
  EventStatsService,
];

/** The event platform itself: one instance per application, built by EventsModule.forRoot. */
@Module({})
export class EventsCoreModule {
  static create(options: EventsOptions): DynamicModule {
    const surfaces = Object.entries(CONTROLLERS) as [
      EventsHttpSurface,
      Type[],
    ][];
    return {
      module: EventsCoreModule,
      global: true,
      imports: [DiscoveryModule],
      controllers: [
        ...surfaces
          .filter(([surface]) => options.http?.[surface] !== false)
          .flatMap(([, controllers]) => controllers),
        ...(options.grpc ? [EventServiceController] : []),
      ],
      providers: [{ provide: EVENTS_OPTIONS, useValue: options }, ...PROVIDERS],
      exports: EXPORTS,
    };
  }
}
