import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { Controller, Get, Param, Query, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { StreamNotFoundError } from '../errors/not-found.errors.js';
import { EventStore } from '../store/event-store.js';
import {
  toCloudEvent,
  type CloudEventJson,
} from '../cloudevents/cloud-event.mapper.js';
import { ReadStreamQuery } from './dto/read-stream.query.js';
import { Roles } from '../../security/index.js';

@ApiTags('events')
@Roles('reader')
@Controller('streams')
export class StreamsController {
  private readonly maxPageBytes: number;

  constructor(
    private readonly store: EventStore,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    this.maxPageBytes = options.query.maxPageBytes;
  }

  @Get(':streamId')
  @ApiOperation({ summary: "An aggregate's events in version order" })
  async read(
    @Param('streamId') streamId: string,
    @Query() query: ReadStreamQuery,
  ): Promise<{
    stream_id: string;
    version: number;
    events: CloudEventJson[];
    next: number | null;
  }> {
    const version = await this.store.streamVersion(streamId);
    if (version === 0) throw new StreamNotFoundError(streamId);
    const events = await this.store.readStreamPage(streamId, {
      fromVersion: query.from_version,
      limit: query.limit,
      maxBytes: this.maxPageBytes,
    });
    const last = events[events.length - 1]?.streamVersion ?? null;
    return {
      stream_id: streamId,
      version,
      events: events.map(toCloudEvent),
      next: last !== null && last < version ? last + 1 : null,
    };
  }
}
