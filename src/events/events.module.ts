import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CommitFeed } from './bus/commit-feed.js';
import { EventBus } from './bus/event-bus.js';
import { EventPreparer } from './bus/event-preparer.js';
import { GroupCommitWriter } from './bus/group-commit-writer.js';
import { LiveEvents } from './bus/live-events.js';
import { OwnedStreams } from './bus/owned-streams.js';
import { UnitOfWork } from './bus/unit-of-work.js';
import { CloudEventIngress } from './cloudevents/cloud-event-ingress.js';
import { DeadLetterService } from './dispatch/dead-letter.service.js';
import { DeliveryStatusService } from './dispatch/delivery-status.service.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { EventStatsService } from './dispatch/event-stats.service.js';
import { SubscriptionExplorer } from './dispatch/subscription-explorer.js';
import { SubscriptionFactory } from './dispatch/subscription-factory.js';
import { DeadLettersController } from './http/dead-letters.controller.js';
import { EventMonitoringController } from './http/event-monitoring.controller.js';
import { EventsController } from './http/events.controller.js';
import { PublishPolicy } from './http/publish-policy.js';
import { ReplayController } from './http/replay.controller.js';
import { StreamsController } from './http/streams.controller.js';
import { ReplayService } from './replay/replay.service.js';
import { RetentionService } from './retention/retention.service.js';
import { DeadLetterStore } from './store/dead-letter-store.js';
import { EventStore } from './store/event-store.js';
import { RetentionStore } from './store/retention-store.js';
import { StorageProbe } from './store/storage-probe.js';
import { SubscriptionStore } from './store/subscription-store.js';
import { WebhookSecretVault } from './webhooks/webhook-secret-vault.js';
import { WebhookService } from './webhooks/webhook.service.js';
import { WebhookStore } from './webhooks/webhook-store.js';
import { WebhooksController } from './webhooks/webhooks.controller.js';

/** The platform every feature module publishes and subscribes through. */
@Module({
  imports: [DiscoveryModule],
  controllers: [
    EventMonitoringController,
    DeadLettersController,
    ReplayController,
    EventsController,
    StreamsController,
    WebhooksController,
  ],
  providers: [
    EventStore,
    SubscriptionStore,
    DeadLetterStore,
    StorageProbe,
    EventPreparer,
    CommitFeed,
    GroupCommitWriter,
    LiveEvents,
    EventBus,
    UnitOfWork,
    SubscriptionFactory,
    SubscriptionExplorer,
    Dispatcher,
    DeliveryStatusService,
    DeadLetterService,
    EventStatsService,
    ReplayService,
    RetentionStore,
    RetentionService,
    CloudEventIngress,
    OwnedStreams,
    PublishPolicy,
    WebhookStore,
    WebhookSecretVault,
    WebhookService,
  ],
  exports: [
    GroupCommitWriter,
    RetentionService,
    ReplayService,
    EventBus,
    UnitOfWork,
    EventStore,
    Dispatcher,
    EventStatsService,
    SubscriptionFactory,
    OwnedStreams,
  ],
})
export class EventsModule {}
