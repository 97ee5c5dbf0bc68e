import type { IncomingHttpHeaders } from 'node:http';
import { UnsupportedMediaTypeException } from '@nestjs/common';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import {
  checkAttributes,
  type Attributes,
  type FieldName,
} from './attribute-rules.js';
import { CE_HEADER_PREFIX, type ContentMode } from './content-mode.js';
import { dataFromBody, dataFromJsonMembers } from './data-codec.js';
import { decodeHeaderValue } from './header-codec.js';
import { toIncoming, type IncomingCloudEvent } from './incoming-cloud-event.js';
import { CLOUDEVENTS_JSON, parseMediaType } from './media-type.js';
import {
  validateBinaryWithSdk,
  validateJsonWithSdk,
} from './sdk-validation.js';

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
  validateBinaryWithSdk(decodedHeaders, bytes, at);
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
  validateJsonWithSdk(attributes, at);
  if (data.dataBase64 && attributes.datacontenttype === undefined) {
    attributes.datacontenttype = 'application/octet-stream';
  }
  return toIncoming(attributes, data, at);
}
