import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EventsModule } from '../events/events.module.js';
import { HealthController } from './health.controller.js';
import { StorageHealthIndicator } from './storage.health.js';
import { SubscriptionsHealthIndicator } from './subscriptions.health.js';

@Module({
  imports: [TerminusModule, EventsModule],
  controllers: [HealthController],
  providers: [SubscriptionsHealthIndicator, StorageHealthIndicator],
})
export class HealthModule {}
