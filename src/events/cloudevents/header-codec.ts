import { InvalidInputError } from '../../common/errors/domain-error.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/**
 * Decodes a ce-* header value (HTTP binding 3.1.3.2): first unescape a double-quoted string
 * (RFC 7230 3.2.6, still sent by older producers), then one round of percent-decoding whose
 * bytes MUST be valid UTF-8 (an overlong "%C0%A0" is refused). Node hands header bytes over as
 * latin1 characters, so each character is one byte of the wire value.
 */
export function decodeHeaderValue(raw: string, field: string): string {
  let value = raw.trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    value = value.slice(1, -1).replace(/\\([\s\S])/g, '$1');
  }
  if (!value.includes('%') && isPrintableAscii(value)) return value;
  const bytes = new Uint8Array(value.length);
  let length = 0;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code === 0x25) {
      const hex = value.slice(index + 1, index + 3);
      if (!HEX_PAIR.test(hex)) {
        throw new InvalidInputError(
          field,
          `${field}: '%' must start a percent-encoded byte such as %20 (HTTP binding 3.1.3.2)`,
        );
      }
      bytes[length++] = parseInt(hex, 16);
      index += 2;
    } else {
      bytes[length++] = code & 0xff;
    }
  }
  try {
    return utf8.decode(bytes.subarray(0, length));
  } catch {
    throw new InvalidInputError(
      field,
      `${field}: the percent-decoded value is not valid UTF-8 (HTTP binding 3.1.3.2)`,
    );
  }
}

/**
 * Encodes an attribute value for a ce-* header (HTTP binding 3.1.3.2): space, double-quote,
 * percent and everything outside printable ASCII become upper-case %XX of their UTF-8 bytes.
 */
export function encodeHeaderValue(value: string): string {
  let encoded = '';
  for (const character of value) {
    const code = character.codePointAt(0) as number;
    if (code > 0x20 && code < 0x7f && code !== 0x22 && code !== 0x25) {
      encoded += character;
      continue;
    }
    for (const byte of Buffer.from(character, 'utf8')) {
      encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return encoded;
}

function isPrintableAscii(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code > 0x7e) return false;
  }
  return true;
}
