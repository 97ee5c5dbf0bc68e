import { uuidv7 } from '../../common/ids/uuid-v7.js';
import {
  isRfc3339,
  isStorableDate,
  toUtcIso,
} from '../../common/time/rfc3339.js';
import { EventValidationError } from '../errors/event-validation.error.js';
import { isValidEventType } from '../patterns/event-pattern.js';
import { serializeMetadata } from './event-payload.js';
import type { NewEvent } from './new-event.js';
import type { EventMetadata, ExtensionValue } from './stored-event.js';

/** An event that passed the envelope rules, with every default filled in, ready to insert. */
export interface PreparedEvent {
  id: string;
  /** Publisher-chosen ids make the append idempotent; generated ones need no duplicate check. */
  idGiven: boolean;
  type: string;
  source: string;
  subject: string | null;
  datacontenttype: string;
  time: string;
  streamId: string | null;
  correlationId: string;
  causationId: string | null;
  /** The payload as stored; the publisher's object itself is not kept while the event waits. */
  dataJson: string | null;
  metadata: EventMetadata;
  metadataJson: string;
}

/**
 * Prepared events are made with `new`: they wait for their group's commit, long enough that V8
 * would otherwise allocate every one from the object literal's site straight into the old
 * generation (see storedEvent in event-payload.ts); the literal passed in dies at once.
 */
class PreparedEventRecord implements PreparedEvent {
  id: string;
  idGiven: boolean;
  type: string;
  source: string;
  subject: string | null;
  datacontenttype: string;
  time: string;
  streamId: string | null;
  correlationId: string;
  causationId: string | null;
  dataJson: string | null;
  metadata: EventMetadata;
  metadataJson: string;

  constructor(fields: PreparedEvent) {
    this.id = fields.id;
    this.idGiven = fields.idGiven;
    this.type = fields.type;
    this.source = fields.source;
    this.subject = fields.subject;
    this.datacontenttype = fields.datacontenttype;
    this.time = fields.time;
    this.streamId = fields.streamId;
    this.correlationId = fields.correlationId;
    this.causationId = fields.causationId;
    this.dataJson = fields.dataJson;
    this.metadata = fields.metadata;
    this.metadataJson = fields.metadataJson;
  }
}

export interface EventDefaults {
  source: string;
  /** The publish call's time (ISO-8601 UTC): the `time` of events that bring none. */
  now: string;
  streamId?: string;
  correlationId?: string;
  causationId?: string | null;
  actor?: string;
  traceparent?: string;
}

/** CloudEvents 1.0 context attributes the envelope stores in columns of its own. */
export const CLOUDEVENTS_CORE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'subject',
  'datacontenttype',
  'dataschema',
  'time',
]);
/** Extension attributes the store assigns itself when it commits an event. */
export const STORE_ASSIGNED_ATTRIBUTES: ReadonlySet<string> = new Set([
  'position',
  'streamversion',
  'recordedat',
]);
// Names an extension cannot take: the envelope already uses them.
const RESERVED_ATTRIBUTES = new Set([
  ...CLOUDEVENTS_CORE_ATTRIBUTES,
  ...STORE_ASSIGNED_ATTRIBUTES,
  'data',
  'data_base64',
  'streamid',
  'correlationid',
  'causationid',
]);
const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;
const MAX_TEXT = 255;

/**
 * Applies the envelope rules and defaults. Runs before an event is queued for commit, so a
 * bad event is refused at once and never delays or endangers the events around it.
 */
export function prepareEvent(
  input: NewEvent,
  defaults: EventDefaults,
  field = '',
): PreparedEvent {
  if (!isValidEventType(input.type)) {
    throw new EventValidationError(
      fieldPath(field, 'type'),
      `${fieldPath(field, 'type')} must be lower-case words joined by '.', '_' or '-' (e.g. user.registered), at most 255 characters`,
    );
  }
  const id = input.id ?? uuidv7();
  const source = input.source ?? defaults.source;
  requireText(id, field, 'id');
  requireText(source, field, 'source');
  const subject = optionalText(input.subject, field, 'subject');
  const streamId = optionalText(
    input.streamId ?? defaults.streamId,
    field,
    'streamId',
  );
  const time = prepareTime(input.time, defaults.now, field);

  const metadata: EventMetadata = {};
  const actor = input.actor ?? defaults.actor;
  if (actor !== undefined) metadata.actor = actor;
  if (defaults.traceparent !== undefined)
    metadata.traceparent = defaults.traceparent;
  if (input.dataschema !== undefined)
    metadata.dataschema = requireText(input.dataschema, field, 'dataschema');
  if (input.dataBase64) metadata.dataBase64 = true;
  if (input.receivedVia !== undefined) metadata.receivedVia = input.receivedVia;
  if (input.extensions && Object.keys(input.extensions).length > 0) {
    metadata.extensions = checkExtensions(
      input.extensions,
      field,
      'extensions',
    );
  }

  return new PreparedEventRecord({
    id,
    idGiven: input.id !== undefined,
    type: input.type,
    source,
    subject,
    datacontenttype:
      optionalText(input.datacontenttype, field, 'datacontenttype') ??
      'application/json',
    time,
    streamId,
    correlationId: defaults.correlationId ?? id,
    causationId: defaults.causationId ?? null,
    dataJson: serializeData(input.data, field, 'data'),
    metadata,
    metadataJson: serializeMetadata(metadata),
  });
}

/**
 * The name of one of the event's fields in an error (`events[2].type` inside a batch). Built
 * only when there is an error to report: `field` is the event's place in its batch, or ''.
 */
function fieldPath(field: string, name: string): string {
  return field ? `${field}.${name}` : name;
}

function requireText(value: unknown, field: string, name: string): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > MAX_TEXT
  ) {
    const path = fieldPath(field, name);
    throw new EventValidationError(
      path,
      `${path} must be a non-empty string of at most ${MAX_TEXT} characters`,
    );
  }
  // A lone surrogate would be stored as other characters (U+FFFD), and the event could never
  // be found again by what its publisher called it.
  if (!(value as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    const path = fieldPath(field, name);
    throw new EventValidationError(
      path,
      `${path} must be well-formed Unicode (no unpaired surrogate)`,
    );
  }
  return value;
}

function optionalText(
  value: unknown,
  field: string,
  name: string,
): string | null {
  return value === undefined || value === null
    ? null
    : requireText(value, field, name);
}

function prepareTime(
  value: string | Date | undefined,
  now: string,
  field: string,
): string {
  if (value === undefined) return now;
  if (value instanceof Date && isStorableDate(value))
    return value.toISOString();
  if (isRfc3339(value)) return toUtcIso(value);
  const path = fieldPath(field, 'time');
  throw new EventValidationError(
    path,
    `${path} must be an RFC 3339 timestamp such as 2024-05-01T12:00:00Z, in the years 0001 to 9999 (UTC)`,
  );
}

function serializeData(
  data: unknown,
  field: string,
  name: string,
): string | null {
  if (data === undefined) return null;
  try {
    return JSON.stringify(data);
  } catch (error) {
    const path = fieldPath(field, name);
    throw new EventValidationError(
      path,
      `${path} must be JSON-serializable: ${(error as Error).message}`,
    );
  }
}

function checkExtensions(
  extensions: Record<string, ExtensionValue>,
  batchField: string,
  name: string,
): Record<string, ExtensionValue> {
  const field = fieldPath(batchField, name);
  for (const [name, value] of Object.entries(extensions)) {
    if (!ATTRIBUTE_NAME.test(name) || RESERVED_ATTRIBUTES.has(name)) {
      throw new EventValidationError(
        `${field}.${name}`,
        `extension attribute names must be 1-20 lower-case letters or digits and not a reserved attribute (got ${JSON.stringify(name)})`,
      );
    }
    const valid =
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      Number.isSafeInteger(value);
    if (!valid) {
      throw new EventValidationError(
        `${field}.${name}`,
        `extension ${name} must be a string, an integer or a boolean`,
      );
    }
  }
  return extensions;
}
