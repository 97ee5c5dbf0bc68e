import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import {
  Between,
  LessThanOrEqual,
  MoreThanOrEqual,
  type FindOptionsWhere,
  type Repository,
} from 'typeorm';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import { DailyEventCount } from '../data/daily-event-count.entity.js';
import { AnalyticsQuery } from './dto/analytics.query.js';
import { Roles } from '../../security/index.js';

@ApiTags('analytics')
@Roles('reader')
@Controller('analytics')
export class AnalyticsController {
  constructor(
    @InjectRepository(DailyEventCount, READ_DATA_SOURCE)
    private readonly counts: Repository<DailyEventCount>,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Events per type and day, with totals per type' })
  async get(@Query() query: AnalyticsQuery) {
    const where: FindOptionsWhere<DailyEventCount> = {};
    if (query.type !== undefined) where.type = query.type;
    if (query.since !== undefined && query.until !== undefined)
      where.day = Between(query.since, query.until);
    else if (query.since !== undefined)
      where.day = MoreThanOrEqual(query.since);
    else if (query.until !== undefined)
      where.day = LessThanOrEqual(query.until);

    const rows = await this.counts.find({
      where,
      order: { day: 'ASC', type: 'ASC' },
    });
    const totals: Record<string, number> = {};
    for (const row of rows)
      totals[row.type] = (totals[row.type] ?? 0) + row.count;
    return {
      days: rows.map(({ day, type, count }) => ({ day, type, count })),
      totals,
      total: rows.reduce((sum, row) => sum + row.count, 0),
    };
  }
}
