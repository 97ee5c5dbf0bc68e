import { CloudEvent, HTTP, ValidationError } from 'cloudevents';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import type { FieldName } from './attribute-rules.js';
import { CE_HEADER_PREFIX } from './content-mode.js';
import { CLOUDEVENTS_JSON } from './media-type.js';

// 1.0 extension names the SDK mistakes for CloudEvents 0.3 attributes (and then refuses or
// swallows); they are checked by our own rules and kept away from it.
const SDK_V03_NAMES = new Set(['schemaurl', 'datacontentencoding']);

/** Runs the SDK's checks on an event received in binary mode (ce-* headers, `body` bytes). */
export function validateBinaryWithSdk(
  headers: Record<string, string>,
  body: Buffer,
  at: FieldName,
): void {
  validateWithSdk(
    () =>
      HTTP.toEvent({
        headers: withoutSdkV03Names(headers, CE_HEADER_PREFIX),
        body,
      }),
    at,
  );
}

/** Runs the SDK's checks on the attributes of an event received as JSON (structured or batch). */
export function validateJsonWithSdk(
  attributes: Record<string, unknown>,
  at: FieldName,
): void {
  validateWithSdk(
    () =>
      HTTP.toEvent({
        headers: { 'content-type': CLOUDEVENTS_JSON },
        body: withoutSdkV03Names(attributes, ''),
      }),
    at,
  );
}

/**
 * Builds the event with the SDK and runs its JSON-schema validation (source a URI-reference,
 * dataschema an absolute URI, time a date-time), which HTTP.toEvent itself skips.
 */
function validateWithSdk(build: () => unknown, at: FieldName): void {
  try {
    const built = build();
    for (const event of Array.isArray(built) ? built : [built]) {
      // HTTP.toEvent is typed as CloudEventV1; it builds CloudEvent instances.
      (event as CloudEvent<unknown>).validate();
    }
  } catch (error) {
    throw sdkRefusal(error, at);
  }
}

function sdkRefusal(error: unknown, at: FieldName): InvalidInputError {
  if (error instanceof ValidationError && Array.isArray(error.errors)) {
    const [first] = error.errors as {
      instancePath?: string;
      message?: string;
    }[];
    if (first?.instancePath !== undefined) {
      const field = at(first.instancePath.replace(/^\//, '') || 'event');
      return new InvalidInputError(
        field,
        `${field} ${first.message ?? 'is invalid'} (CloudEvents JSON schema)`,
      );
    }
  }
  const message = (error as Error).message?.split('\n')[0] ?? String(error);
  return new InvalidInputError(at('event'), `invalid CloudEvent: ${message}`);
}

function withoutSdkV03Names<T>(
  values: Record<string, T>,
  prefix: string,
): Record<string, T> {
  const kept: Record<string, T> = {};
  for (const [name, value] of Object.entries(values)) {
    if (!SDK_V03_NAMES.has(name.slice(prefix.length))) kept[name] = value;
  }
  return kept;
}
