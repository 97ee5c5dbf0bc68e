import { BadRequestException } from '@nestjs/common';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import { CompiledBodyPipe } from '../../common/http/compiled-body.pipe.js';
import { checkJsonText } from '../../common/json/json-text.js';
import { MAX_VERSION } from '../../common/validation/integer.decorators.js';
import type { ExternalEvent } from '../bus/publish-policy.js';
import { BatchTooLargeError } from '../errors/bus-unavailable.error.js';
import { PublishEventDto } from '../http/dto/publish-event.dto.js';
import type { NewEvent } from '../store/new-event.js';

/** events.v1.NewEvent as received: proto3 leaves empty text out. */
export interface NewEventMessage {
  type?: string;
  id?: string;
  source?: string;
  subject?: string;
  time?: string;
  aggregate_id?: string;
  json_data?: string;
}

export interface PublishRequestMessage {
  events?: NewEventMessage[];
  expected_version?: number;
}

export interface PublishCommand {
  events: ExternalEvent[];
  expectedVersion?: number;
  streamId?: string;
}

// The rules of a POST /events JSON body, field for field.
const publishEventBody = new CompiledBodyPipe(PublishEventDto);

/**
 * The events of a Publish call, checked by the rules of POST /events; errors name the field
 * as `events[i].<field>`. The batch cap is checked before any event is read.
 */
export function readPublishRequest(
  request: PublishRequestMessage,
  maxBatch: number,
): PublishCommand {
  const messages = request.events ?? [];
  if (messages.length === 0)
    throw new InvalidInputError('events', 'events: at least one is required');
  if (messages.length > maxBatch)
    throw new BatchTooLargeError(messages.length, maxBatch);
  const events = messages.map((message, index) =>
    readEvent(message, `events[${index}]`),
  );
  const expectedVersion = request.expected_version;
  if (expectedVersion === undefined) return { events };
  const streamId = events[0].event.streamId;
  if (
    streamId === undefined ||
    events.some(({ event }) => event.streamId !== streamId)
  ) {
    throw new InvalidInputError(
      'expected_version',
      'expected_version needs every event to name the same aggregate_id',
    );
  }
  checkVersion(expectedVersion);
  return { events, expectedVersion, streamId };
}

function readEvent(message: NewEventMessage, path: string): ExternalEvent {
  const body: Record<string, unknown> = {};
  for (const field of [
    'type',
    'id',
    'source',
    'subject',
    'time',
    'aggregate_id',
  ] as const) {
    if (message[field] !== undefined && message[field] !== '')
      body[field] = message[field];
  }
  // type is required: proto3 cannot tell an empty one from a missing one.
  body.type ??= '';
  let dto: PublishEventDto;
  try {
    dto = publishEventBody.transform(body);
  } catch (error) {
    if (!(error instanceof BadRequestException)) throw error;
    const { field, message: text } = error.getResponse() as {
      field: string;
      message: string;
    };
    throw new InvalidInputError(`${path}.${field}`, `${path}.${text}`);
  }
  const event: NewEvent = {
    type: dto.type,
    id: dto.id,
    source: dto.source,
    subject: dto.subject,
    time: dto.time,
    streamId: dto.aggregate_id,
  };
  if (message.json_data !== undefined && message.json_data !== '')
    event.data = parseJson(message.json_data, `${path}.json_data`);
  const fields = { type: 'type', source: 'source', streamid: 'aggregate_id' };
  return { event, at: (attribute) => `${path}.${fields[attribute]}` };
}

function parseJson(text: string, field: string): unknown {
  // Depth and unpaired surrogates, as for a JSON request body.
  checkJsonText(text, field);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidInputError(field, `${field} is not valid JSON text`);
  }
}

function checkVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version > MAX_VERSION) {
    throw new InvalidInputError(
      'expected_version',
      `expected_version must be an integer from 0 to ${MAX_VERSION}`,
    );
  }
}
