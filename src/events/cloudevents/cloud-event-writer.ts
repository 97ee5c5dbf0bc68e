import { CloudEvent, HTTP } from 'cloudevents';
import { toCloudEvent } from './cloud-event.mapper.js';
import type { StoredEvent } from '../store/stored-event.js';
import { CE_HEADER_PREFIX } from './content-mode.js';
import { bodyFromData } from './data-codec.js';
import { encodeHeaderValue } from './header-codec.js';
import { CLOUDEVENT_CONTENT_TYPE } from './negotiation.js';

/** An HTTP request carrying one CloudEvent. */
export interface CloudEventMessage {
  headers: Record<string, string>;
  body: Buffer;
}

// 1.0 extension names the SDK mistakes for CloudEvents 0.3 attributes.
const SDK_V03_NAMES = new Set(['schemaurl', 'datacontentencoding']);

/** Structured mode (HTTP binding 3.2): the event in the JSON format, as GET /events renders it. */
export function structuredMessage(event: StoredEvent): CloudEventMessage {
  return {
    headers: { 'content-type': CLOUDEVENT_CONTENT_TYPE },
    body: Buffer.from(JSON.stringify(toCloudEvent(event)), 'utf8'),
  };
}

/**
 * Binary mode (HTTP binding 3.1): the SDK maps attributes to ce-* headers and datacontenttype
 * to Content-Type. Where it departs from the binding, this follows the binding: header values
 * are percent-encoded (3.1.3.2; the SDK sends them raw, and fetch refuses non-Latin-1 text),
 * and the body is the data's exact bytes (the SDK sends a JSON string payload unquoted and
 * drops a null one).
 */
export function binaryMessage(event: StoredEvent): CloudEventMessage {
  const {
    data: _data,
    data_base64: _dataBase64,
    ...attributes
  } = toCloudEvent(event);
  const forSdk: Record<string, unknown> = {};
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (SDK_V03_NAMES.has(name)) {
      headers[`${CE_HEADER_PREFIX}${name}`] = encodeHeaderValue(String(value));
    } else {
      forSdk[name] = value;
    }
  }
  // Stored events passed the envelope rules already; the SDK only maps them here.
  const mapped = HTTP.binary(new CloudEvent(forSdk, false)).headers;
  for (const [name, value] of Object.entries(mapped)) {
    if (value === undefined) continue;
    headers[name] =
      name === 'content-type'
        ? String(value)
        : encodeHeaderValue(String(value));
  }
  return {
    headers,
    body: bodyFromData(
      event.data,
      event.metadata.dataBase64 === true,
      event.datacontenttype,
    ),
  };
}
