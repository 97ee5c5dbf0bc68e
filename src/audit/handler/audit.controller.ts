import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import { AuditEntry } from '../data/audit-entry.entity.js';
import { ListAuditQuery } from './dto/list-audit.query.js';
import { Roles } from '../../security/index.js';

@ApiTags('audit')
@Roles('reader')
@Controller('audit')
export class AuditController {
  constructor(
    @InjectRepository(AuditEntry, READ_DATA_SOURCE)
    private readonly entries: Repository<AuditEntry>,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The audit log, filtered, keyset-paginated by position',
  })
  async list(@Query() query: ListAuditQuery) {
    const builder = this.entries.createQueryBuilder('entry');
    if (query.type !== undefined)
      builder.andWhere('entry.type = :type', { type: query.type });
    if (query.aggregate_id !== undefined)
      builder.andWhere('entry.streamId = :stream', {
        stream: query.aggregate_id,
      });
    if (query.correlation_id !== undefined) {
      builder.andWhere('entry.correlationId = :correlation', {
        correlation: query.correlation_id,
      });
    }
    if (query.actor !== undefined)
      builder.andWhere('entry.actor = :actor', { actor: query.actor });
    if (query.since !== undefined)
      builder.andWhere('entry.occurredAt >= :since', {
        since: new Date(query.since),
      });
    if (query.until !== undefined)
      builder.andWhere('entry.occurredAt < :until', {
        until: new Date(query.until),
      });
    if (query.after !== undefined) {
      builder.andWhere(
        query.order === 'asc'
          ? 'entry.position > :after'
          : 'entry.position < :after',
        {
          after: query.after,
        },
      );
    }
    const rows = await builder
      .orderBy('entry.position', query.order === 'asc' ? 'ASC' : 'DESC')
      .take(query.limit + 1)
      .getMany();
    const entries = rows.slice(0, query.limit);
    return {
      entries: entries.map((entry) => ({
        position: entry.position,
        event_id: entry.eventId,
        type: entry.type,
        source: entry.source,
        aggregate_id: entry.streamId,
        correlation_id: entry.correlationId,
        causation_id: entry.causationId,
        actor: entry.actor,
        occurred_at: new Date(entry.occurredAt).toISOString(),
        audited_at: new Date(entry.auditedAt).toISOString(),
      })),
      next:
        rows.length > query.limit ? entries[entries.length - 1].position : null,
    };
  }
}
