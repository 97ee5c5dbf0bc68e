import { InvalidInputError } from '../../common/errors/domain-error.js';
import { isRfc3339 } from '../../common/time/rfc3339.js';
import { isMediaType } from './media-type.js';

/** A CloudEvent's context attributes, null-valued ones already dropped. */
export type Attributes = Record<string, unknown>;

/** Prefixes a field name with its place in a batch (`[2].source`). */
export type FieldName = (name: string) => string;

const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

const REQUIRED = ['id', 'source', 'specversion', 'type'] as const;
const OPTIONAL_STRINGS = ['subject', 'datacontenttype', 'dataschema'] as const;

/**
 * The MUSTs of the CloudEvents 1.0 core spec that the SDK either skips or gets wrong
 * (it fills in a missing id, accepts any specversion, parses an invalid time as "now",
 * and allows objects as extension values). Refuses with the rule broken, naming the attribute.
 */
export function checkAttributes(attributes: Attributes, at: FieldName): void {
  for (const name of REQUIRED) {
    if (attributes[name] === undefined) {
      throw new InvalidInputError(
        at(name),
        `${at(name)} is required (CloudEvents 1.0, REQUIRED attributes)`,
      );
    }
  }
  if (attributes.specversion !== '1.0') {
    throw new InvalidInputError(
      at('specversion'),
      `${at('specversion')} must be "1.0", the only version this service accepts (got ${JSON.stringify(attributes.specversion)})`,
    );
  }
  for (const name of [...REQUIRED, ...OPTIONAL_STRINGS]) {
    const value = attributes[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length === 0) {
      throw new InvalidInputError(
        at(name),
        `${at(name)} must be a non-empty string (CloudEvents 1.0, ${name})`,
      );
    }
  }
  if (
    attributes.datacontenttype !== undefined &&
    !isMediaType(attributes.datacontenttype as string)
  ) {
    throw new InvalidInputError(
      at('datacontenttype'),
      `${at('datacontenttype')} must be an RFC 2046 media type such as application/json`,
    );
  }
  if (attributes.time !== undefined && !isRfc3339(attributes.time)) {
    throw new InvalidInputError(
      at('time'),
      `${at('time')} must be an RFC 3339 timestamp such as 2024-05-01T12:00:00Z (CloudEvents 1.0, time)`,
    );
  }
  for (const [name, value] of Object.entries(attributes)) {
    if (!ATTRIBUTE_NAME.test(name)) {
      throw new InvalidInputError(
        at(name),
        `attribute names must consist of lower-case letters a-z and digits 0-9 (CloudEvents 1.0, attribute naming); got ${JSON.stringify(name)}`,
      );
    }
    checkValue(value, at(name));
  }
}

/** The CloudEvents type system: Boolean, Integer (32 bit), String (allowed characters only). */
function checkValue(value: unknown, field: string): void {
  if (typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX)
      return;
    throw new InvalidInputError(
      field,
      `${field} must be an integer between -2147483648 and 2147483647 (CloudEvents 1.0, type system)`,
    );
  }
  if (typeof value === 'string') {
    const bad = forbiddenCharacter(value);
    if (bad === undefined) return;
    throw new InvalidInputError(
      field,
      `${field} contains ${bad}, which CloudEvents strings must not use (control characters, unpaired surrogates, noncharacters)`,
    );
  }
  throw new InvalidInputError(
    field,
    `${field} must be a string, an integer or a boolean (CloudEvents 1.0, type system); got ${Array.isArray(value) ? 'an array' : typeof value}`,
  );
}

/** The first character a CloudEvents String must not contain, as U+XXXX. */
export function forbiddenCharacter(value: string): string | undefined {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        const point = ((code - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
        if ((point & 0xfffe) === 0xfffe) return codePoint(point);
        index++;
        continue;
      }
      return codePoint(code);
    }
    if (
      code <= 0x1f ||
      (code >= 0x7f && code <= 0x9f) ||
      (code >= 0xdc00 && code <= 0xdfff) ||
      (code >= 0xfdd0 && code <= 0xfdef) ||
      code === 0xfffe ||
      code === 0xffff
    ) {
      return codePoint(code);
    }
  }
  return undefined;
}

function codePoint(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}
