import type { StoredEventFields } from '../store/event-payload.js';
import type { ExtensionValue, StoredEvent } from '../store/stored-event.js';

/**
 * A stored event in CloudEvents 1.0 JSON format (spec: formats/json-format.md). The store's
 * own attributes travel as extension attributes: position, streamid, streamversion,
 * correlationid, causationid, recordedat.
 */
export interface CloudEventJson {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  datacontenttype: string;
  dataschema?: string;
  time: string;
  data?: unknown;
  data_base64?: string;
  position: number;
  streamid?: string;
  streamversion?: number;
  correlationid: string;
  causationid?: string;
  recordedat: string;
  [extension: string]: unknown;
}

export function toCloudEvent(event: StoredEvent): CloudEventJson {
  const cloudEvent = cloudEventEnvelope(event);
  if (event.metadata.dataBase64) cloudEvent.data_base64 = event.data as string;
  else if (event.data !== undefined) cloudEvent.data = event.data;
  return cloudEvent;
}

/**
 * The text of JSON.stringify(toCloudEvent(event)), with the payload written in as the store
 * keeps it (`payload`: JSON text, null without data) instead of parsed and written again. The
 * store writes payloads with JSON.stringify, and a text JSON.stringify wrote comes back the
 * same through JSON.parse and JSON.stringify, so the two texts are equal.
 */
export function cloudEventJson(
  event: StoredEventFields,
  payload: string | null,
): string {
  const envelope = JSON.stringify(cloudEventEnvelope(event));
  if (payload === null) return envelope;
  const member = event.metadata.dataBase64 ? ',"data_base64":' : ',"data":';
  // The payload is the last member, as toCloudEvent adds it last.
  return `${envelope.slice(0, -1)}${member}${payload}}`;
}

/** Every attribute but the payload (data or data_base64). */
function cloudEventEnvelope(event: StoredEventFields): CloudEventJson {
  const { metadata } = event;
  const cloudEvent: CloudEventJson = {
    ...(metadata.extensions as Record<string, ExtensionValue> | undefined),
    specversion: '1.0',
    id: event.id,
    source: event.source,
    type: event.type,
    datacontenttype: event.datacontenttype,
    time: event.time,
    position: event.position,
    correlationid: event.correlationId,
    recordedat: event.recordedAt,
  };
  if (event.subject !== null) cloudEvent.subject = event.subject;
  if (metadata.dataschema !== undefined)
    cloudEvent.dataschema = metadata.dataschema;
  if (event.streamId !== null) cloudEvent.streamid = event.streamId;
  if (event.streamVersion !== null)
    cloudEvent.streamversion = event.streamVersion;
  if (event.causationId !== null) cloudEvent.causationid = event.causationId;
  return cloudEvent;
}
