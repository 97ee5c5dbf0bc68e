import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import {
  Body,
  Controller,
  Get,
  Headers,
  Param,
  Post,
  Query,
  Req,
  Res,
  Inject,
} from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import { CompiledBodyPipe } from '../../common/http/compiled-body.pipe.js';
import { principalOf, Roles } from '../../security/index.js';
import { EventBus } from '../bus/event-bus.js';
import { CloudEventIngress } from '../cloudevents/cloud-event-ingress.js';
import { readCloudEvents } from '../cloudevents/cloud-event-reader.js';
import { contentModeOf } from '../cloudevents/content-mode.js';
import { CLOUDEVENTS_ROUTE } from '../cloudevents/content-type-parsers.js';
import {
  CLOUDEVENTS_BATCH_JSON,
  CLOUDEVENTS_JSON,
} from '../cloudevents/media-type.js';
import {
  acceptsCloudEvent,
  acceptsCloudEventBatch,
  CLOUDEVENT_BATCH_CONTENT_TYPE,
  CLOUDEVENT_CONTENT_TYPE,
} from '../cloudevents/negotiation.js';
import { ApiQueryFields } from '../../common/http/api-query-fields.decorator.js';
import { EventNotFoundError } from '../errors/not-found.errors.js';
import { EventStore } from '../store/event-store.js';
import type { NewEvent } from '../store/new-event.js';
import {
  cloudEventJson,
  toCloudEvent,
  type CloudEventJson,
} from '../cloudevents/cloud-event.mapper.js';
import {
  decodeCursor,
  encodeCursor,
  type LogCursor,
} from '../store/event-cursor.js';
import { EventSourceQuery } from './dto/event-source.query.js';
import {
  ListEventsQuery,
  listEventsQuery,
  storeQueryOf,
  type ListEventsQueryFields,
} from './dto/list-events.query.js';
import { PublishEventDto } from './dto/publish-event.dto.js';
import { PublishPolicy, type AttributeField } from '../bus/publish-policy.js';

/** The DTO's shape without its class: keeps the global ValidationPipe off this hot route. */
type PublishEventBody = { [K in keyof PublishEventDto]: PublishEventDto[K] };

const publishEventBody = new CompiledBodyPipe(PublishEventDto);

/** What Fastify sends with a JSON object; a body written as text has to say it. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

const JSON_FIELDS = {
  type: 'type',
  source: 'source',
  streamid: 'aggregate_id',
};
const jsonField: AttributeField = (attribute) => JSON_FIELDS[attribute];

@ApiTags('events')
@Controller('events')
export class EventsController {
  private readonly maxPageBytes: number;

  constructor(
    private readonly bus: EventBus,
    private readonly store: EventStore,
    private readonly cloudEvents: CloudEventIngress,
    private readonly policy: PublishPolicy,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    this.maxPageBytes = options.query.maxPageBytes;
  }

  @Post()
  @Roles('publisher')
  @RouteConfig(CLOUDEVENTS_ROUTE)
  @ApiBody({ type: PublishEventDto })
  @ApiConsumes('application/json', CLOUDEVENTS_JSON, CLOUDEVENTS_BATCH_JSON)
  @ApiOperation({
    summary: 'Publish an event; answers once it is committed',
    description:
      'Also takes CloudEvents 1.0 over the HTTP binding: structured (application/cloudevents+json), ' +
      'binary (ce-* headers, the body is the data, any content type) and batch ' +
      '(application/cloudevents-batch+json, stored all or nothing).',
  })
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
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CloudEventJson | CloudEventJson[]> {
    const publisher = principalOf(request.raw);
    if (publisher === undefined)
      throw new Error('POST /events was called without an access check');
    const mode = contentModeOf(request.headers);
    if (mode !== 'none') {
      const { events, created } = await this.cloudEvents.append(
        readCloudEvents(mode, request.headers, body),
        publisher,
      );
      void reply.status(created.some(Boolean) ? 201 : 200);
      if (mode === 'batch') {
        void reply.header('content-type', CLOUDEVENT_BATCH_CONTENT_TYPE);
        return events.map(toCloudEvent);
      }
      void reply.header('content-type', CLOUDEVENT_CONTENT_TYPE);
      return toCloudEvent(events[0]);
    }
    const dto: PublishEventBody = publishEventBody.transform(body);
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
    const event: NewEvent = {
      type: dto.type,
      data: dto.data !== undefined ? dto.data : dto.payload,
      id: dto.id,
      source: dto.source,
      subject: dto.subject,
      time: dto.time,
      streamId: dto.aggregate_id,
    };
    this.policy.admit([{ event, at: jsonField }], publisher);
    const { events, created } = await this.bus.append(event, {
      expectedVersion: dto.expected_version,
    });
    void reply.status(created[0] ? 201 : 200);
    return toCloudEvent(events[0]);
  }

  @Get()
  @Roles('reader')
  @ApiOperation({
    summary: 'List events with filters, in log order, keyset-paginated',
    description:
      'A type pattern (with * or **) is matched in code while rows are read in position order: ' +
      'a page reads at most 10,000 rows, and when it stops there it answers the events found so ' +
      'far (possibly none) with `next`, where it stopped; follow `next` until it is null. ' +
      'With Accept: application/cloudevents-batch+json the page is a CloudEvents batch (a JSON ' +
      'array) and the next page is linked in the Link header (rel="next").',
  })
  @ApiProduces('application/json', CLOUDEVENTS_BATCH_JSON)
  @ApiQueryFields(ListEventsQuery)
  async list(
    @Query(listEventsQuery) query: ListEventsQueryFields,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const after =
      query.after === undefined ? undefined : await this.cursor(query.after);
    const page = await this.store.queryWithPayloads({
      ...storeQueryOf(query, this.maxPageBytes),
      after,
    });
    // Written as text: each payload goes out as the store keeps it, never parsed.
    const events = page.events
      .map(({ event, payload }) => cloudEventJson(event, payload))
      .join(',');
    const next = page.next === null ? null : encodeCursor(page.next);
    if (acceptsCloudEventBatch(request.headers.accept)) {
      void reply.header('content-type', CLOUDEVENT_BATCH_CONTENT_TYPE);
      if (next !== null) {
        void reply.header('link', nextPageLink(request.url, next));
      }
      return `[${events}]`;
    }
    void reply.header('content-type', JSON_CONTENT_TYPE);
    return `{"events":[${events}],"next":${JSON.stringify(next)}}`;
  }

  private cursor(text: string): Promise<LogCursor> {
    return this.store.clientCursor(decodeCursor(text, 'after'), 'after');
  }

  @Get(':id')
  @Roles('reader')
  @ApiOperation({ summary: 'One event by id' })
  @ApiProduces('application/json', CLOUDEVENTS_JSON)
  @ApiResponse({ status: 404, description: 'No such event' })
  async get(
    @Param('id') id: string,
    @Query() query: EventSourceQuery,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CloudEventJson> {
    const event = await this.store.findById(id, query.source);
    if (!event) throw new EventNotFoundError(id);
    if (acceptsCloudEvent(accept)) {
      void reply.header('content-type', CLOUDEVENT_CONTENT_TYPE);
    }
    return toCloudEvent(event);
  }
}

/** The same listing with `after` moved to the next page (RFC 8288 Link, rel="next"). */
function nextPageLink(url: string, next: string): string {
  const target = new URL(url, 'http://localhost');
  target.searchParams.set('after', next);
  return `<${target.pathname}${target.search}>; rel="next"`;
}
