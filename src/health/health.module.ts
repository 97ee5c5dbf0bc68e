import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { NatsHealthIndicator } from './nats.health.js';
import { StorageHealthIndicator } from './storage.health.js';
import { ShutdownState } from './shutdown-state.js';
import { ShutdownHealthIndicator } from './shutdown.health.js';
import { SubscriptionsHealthIndicator } from './subscriptions.health.js';

@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [
    SubscriptionsHealthIndicator,
    StorageHealthIndicator,
    NatsHealthIndicator,
    ShutdownState,
    ShutdownHealthIndicator,
  ],
  exports: [ShutdownState],
})
export class HealthModule {}
