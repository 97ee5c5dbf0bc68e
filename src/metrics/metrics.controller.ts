import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles, Unlimited } from '../security/index.js';
import { EventMetrics } from './event-metrics.js';

@ApiTags('metrics')
// A scraper polls on a schedule: it must not use up a key's request budget.
@Unlimited()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: EventMetrics) {}

  @Get()
  @Roles('reader')
  @ApiOperation({
    summary:
      'Prometheus metrics (text exposition format); docs/operations.md names them',
  })
  @ApiProduces('text/plain')
  async scrape(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    void reply.header('content-type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
