import { InvalidInputError } from '../errors/domain-error.js';

/**
 * How deep a JSON text may nest arrays and objects. Validation (class-transformer), the event
 * store (JSON.stringify) and the CloudEvents SDK all recurse once per level: past a few
 * thousand levels they overflow the stack.
 */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LOWER_U = 0x75;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const HEX4 = /^[0-9A-Fa-f]{4}$/;

type Finding = { depth: true } | { surrogate: number };

/**
 * Refuses a JSON text before anything parses it (one pass, no recursion) when it nests deeper
 * than MAX_JSON_DEPTH, or when a `\u` escape leaves a surrogate unpaired, which I-JSON (RFC
 * 7493, 2.1) forbids: such a string is no Unicode text, the database would store other
 * characters than the ones acknowledged, and some validators throw on it. Text that is not
 * JSON at all may pass; the parser refuses it anyway.
 *
 * @param root the field the text is (`body`); the error names the member holding the
 *   surrogate by its path below it (`items.0.name`, `[2].source`).
 */
export function checkJsonText(text: string, root: string): void {
  const finding = scan(text);
  if (finding === undefined) return;
  if ('depth' in finding) {
    throw new InvalidInputError(
      root,
      `${root} nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  const where = surrogateMember(text);
  const field = where?.path || root;
  const subject = where?.inKey ? `a key of ${field}` : field;
  throw new InvalidInputError(
    field,
    `${subject} contains an unpaired surrogate (\\u${finding.surrogate.toString(16)}), which is no Unicode text`,
  );
}

function scan(text: string): Finding | undefined {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === QUOTE) inString = false;
      else if (code === BACKSLASH) {
        const escaped = unicodeEscapeAt(text, index);
        if (escaped === undefined) {
          index++; // \" \\ \n ...: the next character is not special
        } else if (isLowSurrogate(escaped)) {
          return { surrogate: escaped };
        } else if (isHighSurrogate(escaped)) {
          const next = unicodeEscapeAt(text, index + 6);
          if (next === undefined || !isLowSurrogate(next))
            return { surrogate: escaped };
          index += 11;
        } else {
          index += 5;
        }
      }
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_ARRAY || code === OPEN_OBJECT) {
      if (++depth > MAX_JSON_DEPTH) return { depth: true };
    } else if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) {
      depth--;
    }
  }
  return undefined;
}

const UNPAIRED = /\p{Cs}/u;

/** Where the first unpaired surrogate sits, walked without recursion; only on the error path. */
function surrogateMember(
  text: string,
): { path: string; inKey: boolean } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const pending: [unknown, string][] = [[value, '']];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [current, path] = next;
    if (typeof current === 'string') {
      if (UNPAIRED.test(current)) return { path, inKey: false };
    } else if (Array.isArray(current)) {
      // Pushed last to first: the walk visits members in document order.
      for (let index = current.length - 1; index >= 0; index--)
        pending.push([
          current[index],
          path ? `${path}.${index}` : `[${index}]`,
        ]);
    } else if (typeof current === 'object' && current !== null) {
      const entries = Object.entries(current);
      if (entries.some(([key]) => UNPAIRED.test(key)))
        return { path, inKey: true };
      for (const [key, item] of entries.reverse())
        pending.push([item, path ? `${path}.${key}` : key]);
    }
  }
  return undefined;
}

/** The code unit of a `\uXXXX` escape starting at `index`, if there is one. */
function unicodeEscapeAt(text: string, index: number): number | undefined {
  if (
    text.charCodeAt(index) !== BACKSLASH ||
    text.charCodeAt(index + 1) !== LOWER_U
  )
    return undefined;
  const hex = text.slice(index + 2, index + 6);
  return HEX4.test(hex) ? parseInt(hex, 16) : undefined;
}

const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;
