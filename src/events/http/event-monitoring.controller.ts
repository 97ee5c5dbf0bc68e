import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DeliveryStatusService } from '../dispatch/delivery-status.service.js';
import { EventStatsService } from '../dispatch/event-stats.service.js';
import { EventSourceQuery } from './dto/event-source.query.js';
import { snakeCaseKeys } from '../../common/http/snake-case.js';
import { Roles } from '../../security/index.js';

@ApiTags('events')
@Roles('reader')
@Controller('events')
export class EventMonitoringController {
  constructor(
    private readonly stats: EventStatsService,
    private readonly status: DeliveryStatusService,
  ) {}

  @Get('stats')
  @ApiOperation({
    summary:
      'Published/processed/failed counters, per-subscription position, lag and last error',
  })
  async getStats(): Promise<unknown> {
    return snakeCaseKeys(await this.stats.stats(), ['subscribers']);
  }

  @Get(':id/status')
  @ApiOperation({
    summary:
      'Delivery state of one event for every subscription that matches it',
  })
  async getStatus(
    @Param('id') id: string,
    @Query() query: EventSourceQuery,
  ): Promise<unknown> {
    const { event, subscriptions } = await this.status.statusOf(
      id,
      query.source,
    );
    return snakeCaseKeys({
      id: event.id,
      type: event.type,
      position: event.position,
      subscriptions,
    });
  }
}
