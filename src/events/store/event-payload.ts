import type { EventMetadata, StoredEvent } from './stored-event.js';

const EMPTY_METADATA = '{}';
/** The event's JSON payload as stored; also the basis of memory bounds by bytes. */
const PAYLOAD_JSON = Symbol('payloadJson');
/** The parsed payload once a reader asked for it (or what a reader assigned), else NOT_PARSED. */
const PAYLOAD = Symbol('payload');
const NOT_PARSED = Symbol('notParsed');
// Fields other than the payload, and the object around them, in bytes (measured order of size).
const ENVELOPE_BYTES = 400;

/** Every field of a stored event but its payload. */
export type StoredEventFields = Omit<StoredEvent, 'data' | 'txid'> & {
  txid?: number;
};

interface PayloadSlots {
  [PAYLOAD_JSON]: string | null;
  [PAYLOAD]: unknown;
}

/**
 * `data`, shared by every stored event: V8 keeps an object whose accessor functions are always
 * the same ones in fast mode, where an object literal with a getter of its own (new functions
 * per event) is a dictionary (about three times the memory, slower to read every field of).
 */
const DATA_PROPERTY: PropertyDescriptor = {
  get(this: PayloadSlots): unknown {
    let value = this[PAYLOAD];
    if (value === NOT_PARSED) {
      const json = this[PAYLOAD_JSON];
      value = json === null ? undefined : JSON.parse(json);
      this[PAYLOAD] = value;
    }
    return value;
  },
  set(this: PayloadSlots, replacement: unknown) {
    this[PAYLOAD] = replacement;
  },
  enumerable: true,
  configurable: true,
};

/**
 * A stored event whose `data` is an own, enumerable accessor that parses its JSON on first
 * read: a handler that never looks at the payload (a counter, a relay of the raw row) costs no
 * parse, and each reader gets a private copy of the publisher's data, never the publisher's
 * object itself. Spreading the event or serializing it reads the property like any other.
 * Fields are added in one order for every event, so all events share one hidden class.
 */
export function storedEvent(
  fields: StoredEventFields,
  json: string | null,
): StoredEvent {
  const event = {
    position: fields.position,
    txid: fields.txid,
    id: fields.id,
    type: fields.type,
    source: fields.source,
    subject: fields.subject,
    datacontenttype: fields.datacontenttype,
    time: fields.time,
    streamId: fields.streamId,
    streamVersion: fields.streamVersion,
    correlationId: fields.correlationId,
    causationId: fields.causationId,
  } as StoredEvent & PayloadSlots;
  Object.defineProperty(event, 'data', DATA_PROPERTY);
  event.metadata = fields.metadata;
  event.recordedAt = fields.recordedAt;
  event[PAYLOAD_JSON] = json;
  event[PAYLOAD] = NOT_PARSED;
  return event;
}

/**
 * Roughly what holding the event costs in memory: its payload text (up to two bytes a
 * character), the parsed payload once a reader asked for it, and the envelope.
 */
export function approximateBytes(event: StoredEvent): number {
  const json = (event as Partial<PayloadSlots>)[PAYLOAD_JSON];
  return ENVELOPE_BYTES + 3 * (json?.length ?? 0);
}

export function parseMetadata(json: string): EventMetadata {
  return json === EMPTY_METADATA ? {} : (JSON.parse(json) as EventMetadata);
}

export function serializeMetadata(metadata: EventMetadata): string {
  for (const _key in metadata) return JSON.stringify(metadata);
  return EMPTY_METADATA;
}
