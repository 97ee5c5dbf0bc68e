/**
 * How deep a JSON text may nest arrays and objects. Validation (class-transformer), the event
 * store (JSON.stringify) and the CloudEvents SDK all recurse once per level: past a few
 * thousand levels they overflow the stack, so the bound is checked before anything parses.
 */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x5b, 0x7b]); // [ {
const CLOSERS = new Set([0x5d, 0x7d]); // ] }

/**
 * Whether `text` nests arrays and objects deeper than `limit`, counted without parsing (one
 * pass, no recursion). Brackets inside strings do not count; text that is not JSON at all
 * may be miscounted, and is refused by the parser anyway.
 */
export function nestsDeeperThan(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (OPENERS.has(code)) {
      if (++depth > limit) return true;
    } else if (CLOSERS.has(code)) {
      depth--;
    }
  }
  return false;
}
