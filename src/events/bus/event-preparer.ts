import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { Injectable, Inject } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { EventValidationError } from '../errors/event-validation.error.js';
import type { AppendRequest } from '../store/event-store.js';
import type { AppendOptions, NewEvent } from '../store/new-event.js';
import {
  prepareEvent,
  type EventDefaults,
  type PreparedEvent,
} from '../store/prepare-event.js';
import { eventClassFor, eventTypeOf } from './domain-event.decorator.js';
import type { EventContext } from './event-context.js';

/** An instance of a @DomainEvent class, or a plain NewEvent envelope. */
export type Publishable = NewEvent | object;

/**
 * Turns what publishers pass into validated, fully-defaulted append requests: envelope rules,
 * the payload schema of typed events, and correlation/causation from the publisher's context.
 */
@Injectable()
export class EventPreparer {
  private readonly source: string;

  constructor(@Inject(EVENTS_OPTIONS) options: Pick<EventsOptions, 'source'>) {
    this.source = options.source;
  }

  /** `context`: the publishing caller's, read where the publish call was made. */
  toRequest(
    input: Publishable | Publishable[],
    options: AppendOptions,
    context: EventContext | undefined,
  ): AppendRequest {
    return prepareAppend(input, options, this.source, context);
  }
}

/**
 * The rules behind EventPreparer, as a plain function so test doubles apply exactly the same
 * validation as the real bus.
 */
export function prepareAppend(
  input: Publishable | Publishable[],
  options: AppendOptions,
  source: string,
  context: EventContext | undefined,
): AppendRequest {
  const list = Array.isArray(input) ? input : [input];
  if (list.length === 0)
    throw new EventValidationError('events', 'at least one event is required');
  const batched = list.length > 1;
  const defaults: EventDefaults = {
    source,
    now: new Date().toISOString(),
    streamId: options.streamId,
    correlationId: options.correlationId ?? context?.correlationId,
    causationId:
      options.causationId !== undefined
        ? options.causationId
        : (context?.causationId ?? null),
    actor: context?.actor,
    traceparent: context?.traceparent,
  };

  const events: PreparedEvent[] = new Array<PreparedEvent>(list.length);
  for (let index = 0; index < list.length; index++) {
    const field = batched ? batchField(index) : '';
    events[index] = prepareEvent(
      toNewEvent(list[index], field),
      defaults,
      field,
    );
  }
  // With no ambient correlation, a batch is one chain rooted at its first event.
  if (
    options.correlationId === undefined &&
    context?.correlationId === undefined
  ) {
    for (const event of events) event.correlationId = events[0].id;
  }
  if (
    options.expectedVersion !== undefined &&
    options.expectedVersion !== 'any'
  ) {
    const streams = new Set(events.map((event) => event.streamId));
    if (streams.size !== 1 || streams.has(null)) {
      throw new EventValidationError(
        'expectedVersion',
        'an expected version needs every event of the append in one stream',
      );
    }
  }
  return { events, expectedVersion: options.expectedVersion };
}

/** `events[i]`, the field an error in a batch's i-th event names; made once per index. */
const batchFields: string[] = [];
const CACHED_BATCH_FIELDS = 1_024;

function batchField(index: number): string {
  if (index >= CACHED_BATCH_FIELDS) return `events[${index}]`;
  return (batchFields[index] ??= `events[${index}]`);
}

function toNewEvent(item: Publishable, field: string): NewEvent {
  // A plain envelope (the common case) cannot carry @DomainEvent metadata: no lookup for it.
  const declaredType =
    item.constructor === Object ? undefined : eventTypeOf(item.constructor);
  if (declaredType !== undefined) {
    assertValid(validateSync(item, { forbidUnknownValues: false }), field);
    return { type: declaredType, data: { ...item } };
  }
  const event = item as NewEvent;
  const eventClass =
    typeof event.type === 'string' ? eventClassFor(event.type) : undefined;
  if (eventClass && !event.dataBase64) {
    const data: unknown = event.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new EventValidationError(
        prefixed(field, 'data'),
        `${event.type} data must be an object`,
      );
    }
    const typed = plainToInstance(eventClass, data) as object;
    assertValid(
      validateSync(typed, {
        whitelist: true,
        forbidNonWhitelisted: true,
        forbidUnknownValues: false,
      }),
      field,
    );
  }
  return event;
}

function assertValid(errors: ValidationError[], field: string): void {
  if (errors.length === 0) return;
  const first = errors[0];
  const path = prefixed(field, `data.${first.property}`);
  const messages = Object.values(first.constraints ?? {}).map((message) =>
    message.replace(
      /^property (\S+) should not exist$/,
      '$1 is not a field of this event',
    ),
  );
  throw new EventValidationError(
    path,
    `${path}: ${messages.join(', ') || 'invalid value'}`,
  );
}

function prefixed(field: string, name: string): string {
  return field ? `${field}.${name}` : name;
}
