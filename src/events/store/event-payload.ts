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

type StoredEventRecord = StoredEvent & PayloadSlots;

/**
 * Builds stored events with `new` rather than as object literals. V8 watches each literal's
 * allocation site, and one whose objects mostly outlive a young-generation collection (events
 * wait for their group's commit, then for every subscription) gets its objects allocated in the
 * old generation from then on: every event became old-generation garbage, and the old
 * generation grew to several times the live heap between full collections (peak RSS 320 MB
 * over a million events, 95% of the garbage a full collection found). Objects made by `new`
 * start young and die there. The prototype stays Object.prototype: a stored event is a plain
 * object to whoever inspects it.
 */
const StoredEventRecord = function (
  this: StoredEventRecord,
  fields: StoredEventFields,
  json: string | null,
) {
  this.position = fields.position;
  this.txid = fields.txid;
  this.id = fields.id;
  this.type = fields.type;
  this.source = fields.source;
  this.subject = fields.subject;
  this.datacontenttype = fields.datacontenttype;
  this.time = fields.time;
  this.streamId = fields.streamId;
  this.streamVersion = fields.streamVersion;
  this.correlationId = fields.correlationId;
  this.causationId = fields.causationId;
  Object.defineProperty(this, 'data', DATA_PROPERTY);
  this.metadata = fields.metadata;
  this.recordedAt = fields.recordedAt;
  this[PAYLOAD_JSON] = json;
  this[PAYLOAD] = NOT_PARSED;
} as unknown as new (
  fields: StoredEventFields,
  json: string | null,
) => StoredEventRecord;
StoredEventRecord.prototype = Object.prototype as StoredEventRecord;

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
  return new StoredEventRecord(fields, json);
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
