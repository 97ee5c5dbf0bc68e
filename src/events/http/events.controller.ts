import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import { CompiledBodyPipe } from '../../common/http/compiled-body.pipe.js';
import { EventBus } from '../bus/event-bus.js';
import { EventNotFoundError } from '../errors/not-found.errors.js';
import { EventPattern } from '../event-pattern.js';
import { EventStore } from '../store/event-store.js';
import { toCloudEvent, type CloudEventJson } from './cloud-event.mapper.js';
import { EventSourceQuery } from './dto/event-source.query.js';
import { ListEventsQuery } from './dto/list-events.query.js';
import { PublishEventDto } from './dto/publish-event.dto.js';

/** The DTO's shape without its class: keeps the global ValidationPipe off this hot route. */
type PublishEventBody = { [K in keyof PublishEventDto]: PublishEventDto[K] };

const publishEventBody = new CompiledBodyPipe(PublishEventDto);

@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(
    private readonly bus: EventBus,
    private readonly store: EventStore,
  ) {}

  @Post()
  @ApiBody({ type: PublishEventDto })
  @ApiOperation({ summary: 'Publish an event; answers once it is committed' })
  @ApiResponse({
    status: 201,
    description: 'Stored; the event as CloudEvents JSON',
  })
  @ApiResponse({
    status: 200,
    description: 'Same source + id published before: the stored event',
  })
  @ApiResponse({ status: 409, description: 'expected_version is stale' })
  @ApiResponse({
    status: 503,
    description: 'Commit buffer full or shutting down; see Retry-After',
  })
  async publish(
    @Body(publishEventBody) dto: PublishEventBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CloudEventJson> {
    if (dto.data !== undefined && dto.payload !== undefined) {
      throw new InvalidInputError(
        'payload',
        'send the event data as data or as payload, not both',
      );
    }
    if (dto.expected_version !== undefined && dto.aggregate_id === undefined) {
      throw new InvalidInputError(
        'expected_version',
        'expected_version needs aggregate_id',
      );
    }
    const { events, created } = await this.bus.append(
      {
        type: dto.type,
        data: dto.data !== undefined ? dto.data : dto.payload,
        id: dto.id,
        source: dto.source,
        subject: dto.subject,
        time: dto.time,
        streamId: dto.aggregate_id,
      },
      { expectedVersion: dto.expected_version },
    );
    void reply.status(created[0] ? 201 : 200);
    return toCloudEvent(events[0]);
  }

  @Get()
  @ApiOperation({
    summary: 'List events with filters, in position order, keyset-paginated',
  })
  async list(
    @Query() query: ListEventsQuery,
  ): Promise<{ events: CloudEventJson[]; next: number | null }> {
    const page = await this.store.query({
      type:
        query.type === undefined
          ? undefined
          : EventPattern.parse(query.type, 'type'),
      streamId: query.aggregate_id,
      correlationId: query.correlation_id,
      since:
        query.since === undefined
          ? undefined
          : new Date(query.since).toISOString(),
      until:
        query.until === undefined
          ? undefined
          : new Date(query.until).toISOString(),
      after: query.after,
      limit: query.limit,
      order: query.order,
    });
    return { events: page.events.map(toCloudEvent), next: page.next };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One event by id' })
  @ApiResponse({ status: 404, description: 'No such event' })
  async get(
    @Param('id') id: string,
    @Query() query: EventSourceQuery,
  ): Promise<CloudEventJson> {
    const event = await this.store.findById(id, query.source);
    if (!event) throw new EventNotFoundError(id);
    return toCloudEvent(event);
  }
}
