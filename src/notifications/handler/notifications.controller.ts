import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import { Notification } from '../data/notification.entity.js';
import { ListNotificationsQuery } from './dto/list-notifications.query.js';
import { Roles } from '../../security/index.js';

@ApiTags('notifications')
@Roles('reader')
@Controller('notifications')
export class NotificationsController {
  constructor(
    @InjectRepository(Notification, READ_DATA_SOURCE)
    private readonly notifications: Repository<Notification>,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Messages sent to users, newest first' })
  async list(@Query() query: ListNotificationsQuery) {
    const [rows, total] = await this.notifications.findAndCount({
      where: query.user_id === undefined ? {} : { userId: query.user_id },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: query.limit,
      skip: query.offset,
    });
    return {
      notifications: rows.map((row) => ({
        id: row.id,
        user_id: row.userId,
        channel: row.channel,
        recipient: row.recipient,
        subject: row.subject,
        body: row.body,
        event_id: row.eventId,
        created_at: new Date(row.createdAt).toISOString(),
      })),
      total,
      limit: query.limit,
      offset: query.offset,
    };
  }
}
