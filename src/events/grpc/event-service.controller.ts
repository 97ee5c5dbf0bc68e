import {
  Controller,
  Inject,
  UseFilters,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Metadata, ServerWritableStream } from '@grpc/grpc-js';
import { map, type Observable } from 'rxjs';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import { Roles } from '../../security/index.js';
import { EventBus } from '../bus/event-bus.js';
import { PublishPolicy } from '../bus/publish-policy.js';
import {
  DeliveryStatusService,
  type DeliveryState,
} from '../dispatch/delivery-status.service.js';
import { EventNotFoundError } from '../errors/not-found.errors.js';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { EventPattern } from '../patterns/event-pattern.js';
import { EventStore } from '../store/event-store.js';
import { EventFollower } from './event-follower.js';
import { toEventMessage, type EventMessage } from './event-message.js';
import { callerOf } from './grpc-access.guard.js';
import { GrpcCallContextInterceptor } from './grpc-call-context.interceptor.js';
import { decodeCursor, encodeCursor } from './grpc-cursor.js';
import { GrpcExceptionFilter } from './grpc-exception.filter.js';
import { GrpcAccessGuard } from './grpc-access.guard.js';
import {
  readPublishRequest,
  type PublishRequestMessage,
} from './publish-request.js';
import { readQueryRequest, type QueryRequestMessage } from './query-request.js';

const SERVICE = 'EventService';
const MAX_TEXT = 255;

interface EventKey {
  id?: string;
  source?: string;
}

/**
 * events.v1.EventService (proto/events/v1/events.proto): the HTTP API's publish and read
 * paths over gRPC, through the same services and rules. Keys and roles as over HTTP
 * (GrpcAccessGuard), errors as gRPC statuses (GrpcExceptionFilter).
 */
@Controller()
@UseFilters(GrpcExceptionFilter)
@UseGuards(GrpcAccessGuard)
@UseInterceptors(GrpcCallContextInterceptor)
export class EventServiceController {
  private readonly maxBatch: number;
  private readonly maxPageBytes: number;

  constructor(
    private readonly bus: EventBus,
    private readonly policy: PublishPolicy,
    private readonly store: EventStore,
    private readonly status: DeliveryStatusService,
    private readonly follower: EventFollower,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    this.maxBatch = options.bus.maxBatch;
    this.maxPageBytes = options.query.maxPageBytes;
  }

  @GrpcMethod(SERVICE, 'Publish')
  @Roles('publisher')
  async publish(
    request: PublishRequestMessage,
    metadata: Metadata,
  ): Promise<{ events: { event: EventMessage; created: boolean }[] }> {
    const command = readPublishRequest(request, this.maxBatch);
    this.policy.admit(command.events, callerOf(metadata));
    const { events, created } = await this.bus.append(
      command.events.map(({ event }) => event),
      { expectedVersion: command.expectedVersion, streamId: command.streamId },
    );
    return {
      events: events.map((event, index) => ({
        event: toEventMessage(event),
        created: created[index],
      })),
    };
  }

  @GrpcMethod(SERVICE, 'GetEvent')
  @Roles('reader')
  async getEvent(request: EventKey): Promise<EventMessage> {
    const { id, source } = readEventKey(request);
    const event = await this.store.findById(id, source);
    if (!event) throw new EventNotFoundError(id);
    return toEventMessage(event);
  }

  @GrpcMethod(SERVICE, 'GetEventStatus')
  @Roles('reader')
  async getEventStatus(request: EventKey): Promise<unknown> {
    const { id, source } = readEventKey(request);
    const { event, subscriptions } = await this.status.statusOf(id, source);
    return {
      id: event.id,
      type: event.type,
      position: event.position,
      subscriptions: subscriptions.map(toDeliveryMessage),
    };
  }

  @GrpcMethod(SERVICE, 'Query')
  @Roles('reader')
  async query(
    request: QueryRequestMessage,
  ): Promise<{ events: EventMessage[]; next: string }> {
    const query = readQueryRequest(request, this.maxPageBytes);
    const after = request.after
      ? await this.store.clientCursor(
          decodeCursor(request.after, 'after'),
          'after',
        )
      : undefined;
    const page = await this.store.query({ ...query, after });
    return {
      events: page.events.map(toEventMessage),
      next: page.next === null ? '' : encodeCursor(page.next),
    };
  }

  @GrpcMethod(SERVICE, 'Subscribe')
  @Roles('reader')
  async subscribe(
    request: { pattern?: string; cursor?: string },
    _metadata: Metadata,
    call: ServerWritableStream<unknown, EventMessage>,
  ): Promise<Observable<EventMessage>> {
    const pattern =
      request.pattern === undefined || request.pattern === ''
        ? undefined
        : EventPattern.parse(request.pattern, 'pattern');
    const after = await this.store.clientCursor(
      decodeCursor(request.cursor ?? '', 'cursor'),
      'cursor',
    );
    return this.follower
      .follow(pattern?.matchesEverything ? undefined : pattern, after, call)
      .pipe(map(toEventMessage));
  }
}

function readEventKey(request: EventKey): { id: string; source?: string } {
  const { id, source } = request;
  if (id === undefined || id === '')
    throw new InvalidInputError('id', 'id is required');
  for (const [field, value] of [
    ['id', id],
    ['source', source],
  ] as const) {
    if (value !== undefined && value.length > MAX_TEXT) {
      throw new InvalidInputError(
        field,
        `${field} must be at most ${MAX_TEXT} characters`,
      );
    }
  }
  return { id, source: source === '' ? undefined : source };
}

function toDeliveryMessage(state: DeliveryState): Record<string, unknown> {
  const base = {
    subscription: state.subscription,
    status: `DELIVERY_STATUS_${state.status.toUpperCase()}`,
  };
  switch (state.status) {
    case 'retrying':
      return {
        ...base,
        attempt: state.attempt,
        next_attempt_at: state.nextAttemptAt,
      };
    case 'dead_lettered':
      return {
        ...base,
        dead_letter_id: state.deadLetterId,
        attempts: state.attempts,
        last_error: state.lastError,
      };
    default:
      return base;
  }
}
