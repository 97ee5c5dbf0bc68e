import type { IncomingHttpHeaders } from 'node:http';
import { UnsupportedMediaTypeException } from '@nestjs/common';
import { CloudEvent, HTTP, ValidationError } from 'cloudevents';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import { isValidEventType } from '../patterns/event-pattern.js';
import type { NewEvent } from '../store/new-event.js';
import {
  CLOUDEVENTS_CORE_ATTRIBUTES,
  STORE_ASSIGNED_ATTRIBUTES,
} from '../store/prepare-event.js';
import type { ExtensionValue } from '../store/stored-event.js';
import {
  checkAttributes,
  type Attributes,
  type FieldName,
} from './attribute-rules.js';
import { CE_HEADER_PREFIX, type ContentMode } from './content-mode.js';
import {
  dataFromBody,
  dataFromJsonMembers,
  type EventData,
} from './data-codec.js';
import { decodeHeaderValue } from './header-codec.js';
import { CLOUDEVENTS_JSON, parseMediaType } from './media-type.js';

/** A received CloudEvent, ready for the bus. */
export interface IncomingCloudEvent {
  event: NewEvent;
  /** From the `correlationid` / `causationid` extensions this store defines. */
  correlationId?: string;
  causationId?: string;
  /** The request field an attribute came from (`ce-type`, `[3].type`), for refusals. */
  at: FieldName;
}

// 1.0 extension names the SDK mistakes for CloudEvents 0.3 attributes (and then refuses or
// swallows); they are checked by our own rules and kept away from it.
const SDK_V03_NAMES = new Set(['schemaurl', 'datacontentencoding']);
const MAX_TEXT = 255;

/** Turns a request body in any of the three content modes into events; throws on the first rule broken. */
export function readCloudEvents(
  mode: Exclude<ContentMode, 'none'>,
  headers: IncomingHttpHeaders,
  body: unknown,
): IncomingCloudEvent[] {
  switch (mode) {
    case 'binary':
      return [readBinary(headers, body)];
    case 'structured':
      return [readStructured(headers, body)];
    case 'batch':
      return readBatch(body);
  }
}

/** HTTP binding 3.1: attributes in ce-* headers, data in the body, datacontenttype in Content-Type. */
export function readBinary(
  headers: IncomingHttpHeaders,
  body: unknown,
): IncomingCloudEvent {
  if (headers['ce-datacontenttype'] !== undefined) {
    throw new InvalidInputError(
      'ce-datacontenttype',
      'ce-datacontenttype must not be sent in binary mode: the Content-Type header carries datacontenttype (HTTP binding 3.1.1)',
    );
  }
  const at: FieldName = (name) =>
    name === 'datacontenttype' ? 'content-type' : `${CE_HEADER_PREFIX}${name}`;
  const attributes: Attributes = {};
  const decodedHeaders: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (!name.startsWith(CE_HEADER_PREFIX) || raw === undefined) continue;
    const value = decodeHeaderValue(
      Array.isArray(raw) ? raw.join(',') : raw,
      name,
    );
    attributes[name.slice(CE_HEADER_PREFIX.length)] = value;
    decodedHeaders[name] = value;
  }
  const contentType =
    typeof headers['content-type'] === 'string'
      ? headers['content-type'].trim()
      : undefined;
  if (contentType !== undefined) attributes.datacontenttype = contentType;
  checkAttributes(attributes, at);

  const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
  const data = dataFromBody(bytes, contentType, 'body');
  if (contentType !== undefined) decodedHeaders['content-type'] = contentType;
  // The SDK maps the (now percent-decoded) headers; its own data handling is not used: it
  // quotes bare JSON scalars and loses falsy payloads.
  validateWithSdk(
    () =>
      HTTP.toEvent({
        headers: withoutSdkV03Names(decodedHeaders, CE_HEADER_PREFIX),
        body: bytes,
      }),
    at,
  );
  if (data.dataBase64 && attributes.datacontenttype === undefined) {
    // RFC 9110 8.3: bytes of no declared type are application/octet-stream.
    attributes.datacontenttype = 'application/octet-stream';
  }
  return toIncoming(attributes, data, at);
}

/** JSON format 3: one event as a JSON object with its data in `data` or `data_base64`. */
export function readStructured(
  headers: IncomingHttpHeaders,
  body: unknown,
): IncomingCloudEvent {
  const at: FieldName = (name) => name;
  const media = parseMediaType(headers['content-type']);
  if (media && media.essence !== CLOUDEVENTS_JSON) {
    throw new UnsupportedMediaTypeException(
      `the CloudEvents event format ${media.essence} is not supported; send ${CLOUDEVENTS_JSON}`,
    );
  }
  return readJsonEvent(body, at, 'body');
}

/** JSON format 4: a JSON array of events, possibly empty (HTTP binding 3.3.2). */
export function readBatch(body: unknown): IncomingCloudEvent[] {
  if (!Array.isArray(body)) {
    throw new InvalidInputError(
      'body',
      'a CloudEvents batch must be a JSON array of events (JSON format 4.1)',
    );
  }
  return body.map((element, index) =>
    readJsonEvent(element, (name) => `[${index}].${name}`, `[${index}]`),
  );
}

function readJsonEvent(
  body: unknown,
  at: FieldName,
  place: string,
): IncomingCloudEvent {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidInputError(
      place,
      `${place} must be a CloudEvent as a JSON object (JSON format 3)`,
    );
  }
  const attributes: Attributes = {};
  const members: { data?: { value: unknown }; dataBase64?: unknown } = {};
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (name === 'data') members.data = { value };
    // JSON format 2.2: a null attribute is the same as an absent one.
    else if (value === null) continue;
    else if (name === 'data_base64') members.dataBase64 = value;
    else attributes[name] = value;
  }
  checkAttributes(attributes, at);
  const data = dataFromJsonMembers(
    members,
    attributes.datacontenttype as string | undefined,
    at,
  );
  validateWithSdk(
    () =>
      HTTP.toEvent({
        headers: { 'content-type': CLOUDEVENTS_JSON },
        body: withoutSdkV03Names(attributes, ''),
      }),
    at,
  );
  if (data.dataBase64 && attributes.datacontenttype === undefined) {
    attributes.datacontenttype = 'application/octet-stream';
  }
  return toIncoming(attributes, data, at);
}

/**
 * Builds the event with the SDK and runs its JSON-schema validation (source a URI-reference,
 * dataschema an absolute URI, time a date-time), which HTTP.toEvent itself skips.
 */
function validateWithSdk(build: () => unknown, at: FieldName): void {
  try {
    const built = build();
    for (const event of Array.isArray(built) ? built : [built]) {
      // HTTP.toEvent is typed as CloudEventV1; it builds CloudEvent instances.
      (event as CloudEvent<unknown>).validate();
    }
  } catch (error) {
    throw sdkRefusal(error, at);
  }
}

function sdkRefusal(error: unknown, at: FieldName): InvalidInputError {
  if (error instanceof ValidationError && Array.isArray(error.errors)) {
    const [first] = error.errors as {
      instancePath?: string;
      message?: string;
    }[];
    if (first?.instancePath !== undefined) {
      const field = at(first.instancePath.replace(/^\//, '') || 'event');
      return new InvalidInputError(
        field,
        `${field} ${first.message ?? 'is invalid'} (CloudEvents JSON schema)`,
      );
    }
  }
  const message = (error as Error).message?.split('\n')[0] ?? String(error);
  return new InvalidInputError(at('event'), `invalid CloudEvent: ${message}`);
}

function toIncoming(
  attributes: Attributes,
  data: EventData,
  at: FieldName,
): IncomingCloudEvent {
  if (!isValidEventType(attributes.type)) {
    throw new InvalidInputError(
      at('type'),
      `${at('type')} must be lower-case words joined by '.', '_' or '-' (e.g. com.example.order.shipped), at most ${MAX_TEXT} characters: this store's rule for event types`,
    );
  }
  const extensions: Record<string, ExtensionValue> = {};
  let correlationId: string | undefined;
  let causationId: string | undefined;
  let streamId: string | undefined;
  for (const [name, value] of Object.entries(attributes)) {
    if (CLOUDEVENTS_CORE_ATTRIBUTES.has(name)) {
      checkLength(value as string, at(name));
      continue;
    }
    if (STORE_ASSIGNED_ATTRIBUTES.has(name)) {
      throw new InvalidInputError(
        at(name),
        `${at(name)} is assigned by this event store and cannot be sent`,
      );
    }
    if (
      name === 'correlationid' ||
      name === 'causationid' ||
      name === 'streamid'
    ) {
      const text = checkLength(String(value), at(name));
      if (name === 'correlationid') correlationId = text;
      else if (name === 'causationid') causationId = text;
      else streamId = text;
      continue;
    }
    extensions[name] = value as ExtensionValue;
  }
  const event: NewEvent = {
    type: attributes.type as string,
    id: attributes.id as string,
    source: attributes.source as string,
    subject: attributes.subject as string | undefined,
    time: attributes.time as string | undefined,
    datacontenttype: attributes.datacontenttype as string | undefined,
    dataschema: attributes.dataschema as string | undefined,
    streamId,
    extensions,
  };
  if (data.data !== undefined) event.data = data.data;
  if (data.dataBase64) event.dataBase64 = true;
  return { event, correlationId, causationId, at };
}

function checkLength(value: string, field: string): string {
  if (value.length > MAX_TEXT) {
    throw new InvalidInputError(
      field,
      `${field} must be at most ${MAX_TEXT} characters (this store's limit)`,
    );
  }
  return value;
}

function withoutSdkV03Names<T>(
  values: Record<string, T>,
  prefix: string,
): Record<string, T> {
  const kept: Record<string, T> = {};
  for (const [name, value] of Object.entries(values)) {
    if (!SDK_V03_NAMES.has(name.slice(prefix.length))) kept[name] = value;
  }
  return kept;
}
