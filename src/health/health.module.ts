import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { NatsHealthIndicator } from './nats.health.js';
import { StorageHealthIndicator } from './storage.health.js';
import { SubscriptionsHealthIndicator } from './subscriptions.health.js';

@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [
    SubscriptionsHealthIndicator,
    StorageHealthIndicator,
    NatsHealthIndicator,
  ],
})
export class HealthModule {}
