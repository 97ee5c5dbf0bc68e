import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { READ_DATA_SOURCE } from '../database/read-data-source.js';
import { EventsModule } from '../events/index.js';
import { Notification } from './data/notification.entity.js';
import { NotificationsController } from './handler/notifications.controller.js';
import { OrderOutcomeHandler } from './handler/order-outcome.handler.js';
import { WelcomeHandler } from './handler/welcome.handler.js';

@Module({
  imports: [
    EventsModule.forFeature(),
    TypeOrmModule.forFeature([Notification]),
    TypeOrmModule.forFeature([Notification], READ_DATA_SOURCE),
  ],
  controllers: [NotificationsController],
  providers: [WelcomeHandler, OrderOutcomeHandler],
})
export class NotificationsModule {}
