import { InvalidInputError } from '../../common/errors/domain-error.js';
import { checkJsonText } from '../../common/json/json-text.js';
import {
  readBatch,
  readStructured,
} from '../cloudevents/cloud-event-reader.js';
import type { IncomingCloudEvent } from '../cloudevents/incoming-cloud-event.js';
import { STORE_ASSIGNED_ATTRIBUTES } from '../store/prepare-event.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The CloudEvents of one NATS message: a structured event (a JSON object; NATS protocol
 * binding 3.1) or a batch (a JSON array), read by the same rules as POST /events. The
 * attributes another store assigned when it committed the event (position, streamversion,
 * recordedat: its log's coordinates, as this service's relay sends them) are dropped: they
 * mean nothing here, and this store assigns its own.
 * @throws InvalidInputError (or another 4xx error of the HTTP reader) naming the field.
 */
export function readInboundMessage(
  data: Uint8Array,
  contentType: string | undefined,
): IncomingCloudEvent[] {
  let text: string;
  try {
    text = strictUtf8.decode(data);
  } catch {
    throw new InvalidInputError('body', 'body must be UTF-8 text');
  }
  checkJsonText(text, 'body');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidInputError('body', 'body must be JSON (a CloudEvent)');
  }
  if (Array.isArray(body)) return readBatch(body.map(withoutStoreAttributes));
  return [
    readStructured(
      contentType === undefined ? {} : { 'content-type': contentType },
      withoutStoreAttributes(body),
    ),
  ];
}

function withoutStoreAttributes(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return value;
  const copy = { ...(value as Record<string, unknown>) };
  for (const name of STORE_ASSIGNED_ATTRIBUTES) delete copy[name];
  return copy;
}
