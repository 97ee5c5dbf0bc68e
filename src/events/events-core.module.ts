import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
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
import { DeadLettersController } from './http/dead-letters.controller.js';
import { EventMonitoringController } from './http/event-monitoring.controller.js';
import { EventsController } from './http/events.controller.js';
import { ReplayController } from './http/replay.controller.js';
import { RequestEventContextInterceptor } from './http/request-context.js';
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
import { WebhookSecretVault } from './webhooks/webhook-secret-vault.js';
import { WebhookStore } from './webhooks/webhook-store.js';
import { WebhookSync } from './webhooks/webhook-sync.js';
import { WebhookService } from './webhooks/webhook.service.js';
import { WebhooksController } from './webhooks/webhooks.controller.js';

const CONTROLLERS: Record<EventsHttpSurface, Type[]> = {
  events: [EventsController],
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
  DeadLetterService,
  EventStatsService,
  EventsHealth,
  // operations
  ReplayService,
  RetentionService,
  SagaStore,
  SagaOrchestrator,
  WebhookStore,
  WebhookSecretVault,
  WebhookService,
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
      controllers: surfaces
        .filter(([surface]) => options.http?.[surface] !== false)
        .flatMap(([, controllers]) => controllers),
      providers: [
        { provide: EVENTS_OPTIONS, useValue: options },
        // Everything published while serving a request carries its correlation id.
        { provide: APP_INTERCEPTOR, useClass: RequestEventContextInterceptor },
        ...PROVIDERS,
      ],
      exports: EXPORTS,
    };
  }
}
