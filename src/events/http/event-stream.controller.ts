import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import {
  ApiHeader,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../security/index.js';
import { EventPattern } from '../patterns/event-pattern.js';
import { EventStreamHub } from '../stream/event-stream-hub.js';
import { StreamEventsQuery } from './dto/stream-events.query.js';

@ApiTags('events')
@Controller('events')
export class EventStreamController {
  constructor(private readonly hub: EventStreamHub) {}

  @Get('stream')
  @Roles('reader')
  @ApiOperation({
    summary: 'Committed events as they arrive (Server-Sent Events)',
    description:
      'Each message is one event as CloudEvents JSON in `data:`, with its cursor as `id:`. ' +
      'After Last-Event-ID (or `after`) the stream first sends the stored events that follow it, ' +
      'then each new matching event once committed, with no gap and no duplicate. A comment line ' +
      'is sent on an idle stream (event.stream.heartbeat). A client that leaves more than ' +
      'event.stream.buffer_bytes untaken is disconnected: it reconnects with Last-Event-ID. ' +
      'Browsers: read it with fetch() to send the API key as a header.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'The id of the last message received: resume right after it',
  })
  @ApiResponse({ status: 200, description: 'The stream (text/event-stream)' })
  @ApiResponse({
    status: 503,
    description: 'event.stream.max_clients streams are open; see Retry-After',
  })
  async stream(
    @Query() query: StreamEventsQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const type =
      query.type === undefined
        ? undefined
        : EventPattern.parse(query.type, 'type');
    const after =
      lastEventId !== undefined
        ? await this.hub.cursor(lastEventId, 'last-event-id')
        : query.after !== undefined
          ? await this.hub.cursor(query.after, 'after')
          : await this.hub.head();
    this.hub.admit();
    // The headers set so far (security, CORS, correlation id) go out with the stream.
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) reply.raw.setHeader(name, value);
    }
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // The connection is the stream's: nothing follows it on the same socket.
      connection: 'close',
      // Proxies such as nginx would otherwise hold messages back.
      'x-accel-buffering': 'no',
    });
    reply.raw.write(': stream open\n\n');
    this.hub.open(reply.raw, { type, streamId: query.aggregate_id }, after);
  }
}
