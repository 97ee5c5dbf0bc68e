import type { ExtensionValue, StoredEvent } from '../store/stored-event.js';
import { cursorOf } from '../store/event-cursor.js';
import { encodeCursor } from './grpc-cursor.js';

/** events.v1.Event as @grpc/proto-loader takes it (keepCase, longs as numbers). */
export interface EventMessage {
  position: number;
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: string;
  dataschema: string;
  json_data?: string;
  binary_data?: Buffer;
  stream_id: string;
  stream_version: number;
  correlation_id: string;
  causation_id: string;
  recorded_at: string;
  extensions: Record<string, string>;
  cursor: string;
}

/** A stored event as an events.v1.Event; proto3 has no null, so absent text is empty. */
export function toEventMessage(event: StoredEvent): EventMessage {
  const { metadata } = event;
  const message: EventMessage = {
    position: event.position,
    id: event.id,
    source: event.source,
    type: event.type,
    subject: event.subject ?? '',
    time: event.time,
    datacontenttype: event.datacontenttype,
    dataschema: metadata.dataschema ?? '',
    stream_id: event.streamId ?? '',
    stream_version: event.streamVersion ?? 0,
    correlation_id: event.correlationId,
    causation_id: event.causationId ?? '',
    recorded_at: event.recordedAt,
    extensions: extensionText(metadata.extensions),
    cursor: encodeCursor(cursorOf(event)),
  };
  // A non-JSON payload is stored as base64 text (see CloudEvents data_base64).
  if (metadata.dataBase64)
    message.binary_data = Buffer.from(event.data as string, 'base64');
  else if (event.data !== undefined)
    message.json_data = JSON.stringify(event.data);
  return message;
}

/** CloudEvents attribute values in their canonical string form (spec: Type System). */
function extensionText(
  extensions: Record<string, ExtensionValue> | undefined,
): Record<string, string> {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(extensions ?? {}))
    text[name] = String(value);
  return text;
}
