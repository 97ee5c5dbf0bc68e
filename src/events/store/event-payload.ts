import type { EventMetadata } from './stored-event.js';

const EMPTY_METADATA = '{}';

/**
 * `data` as an own, enumerable property that parses its JSON on first read: a handler that
 * never looks at the payload (a counter, a relay of the raw row) costs no parse, and each
 * reader gets a private copy of the publisher's data, never the publisher's object itself.
 * Spreading the event or serializing it reads the property like any other.
 */
export function withLazyData<T extends object>(
  event: T,
  json: string | null,
): T & { data: unknown } {
  let value: unknown;
  let parsed = json === null;
  Object.defineProperty(event, 'data', {
    enumerable: true,
    configurable: true,
    get() {
      if (!parsed) {
        value = JSON.parse(json as string);
        parsed = true;
      }
      return value;
    },
    set(replacement: unknown) {
      value = replacement;
      parsed = true;
    },
  });
  return event as T & { data: unknown };
}

export function parseMetadata(json: string): EventMetadata {
  return json === EMPTY_METADATA ? {} : (JSON.parse(json) as EventMetadata);
}

export function serializeMetadata(metadata: EventMetadata): string {
  for (const _key in metadata) return JSON.stringify(metadata);
  return EMPTY_METADATA;
}
