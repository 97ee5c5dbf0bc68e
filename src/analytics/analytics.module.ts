import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { READ_DATA_SOURCE } from '../database/read-data-source.js';
import { EventsModule } from '../events/index.js';
import { DailyEventCount } from './data/daily-event-count.entity.js';
import { AnalyticsController } from './handler/analytics.controller.js';
import { EventCountsProjection } from './handler/event-counts.projection.js';

@Module({
  imports: [
    EventsModule.forFeature(),
    TypeOrmModule.forFeature([DailyEventCount]),
    TypeOrmModule.forFeature([DailyEventCount], READ_DATA_SOURCE),
  ],
  controllers: [AnalyticsController],
  providers: [EventCountsProjection],
})
export class AnalyticsModule {}
