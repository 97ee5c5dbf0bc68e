import { InvalidInputError } from '../../common/errors/domain-error.js';
import { isValidEventType } from '../patterns/event-pattern.js';
import type { NewEvent } from '../store/new-event.js';
import {
  CLOUDEVENTS_CORE_ATTRIBUTES,
  STORE_ASSIGNED_ATTRIBUTES,
} from '../store/prepare-event.js';
import type { ExtensionValue } from '../store/stored-event.js';
import type { Attributes, FieldName } from './attribute-rules.js';
import type { EventData } from './data-codec.js';

/** A received CloudEvent, ready for the bus. */
export interface IncomingCloudEvent {
  event: NewEvent;
  /** From the `correlationid` / `causationid` extensions this store defines. */
  correlationId?: string;
  causationId?: string;
  /** The request field an attribute came from (`ce-type`, `[3].type`), for refusals. */
  at: FieldName;
}

const MAX_TEXT = 255;

/**
 * The event this store appends for checked attributes and data: this store's own rules
 * (type syntax, lengths, attributes it assigns itself) and its extensions taken out.
 */
export function toIncoming(
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
