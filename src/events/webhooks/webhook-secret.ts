import { randomBytes } from 'node:crypto';

/**
 * Signing secrets in the Standard Webhooks serialisation: `whsec_` and the base64 of the key
 * (24 to 64 random bytes; the specification asks for at least 24).
 */
export const SECRET_PREFIX = 'whsec_';
export const MIN_SECRET_BYTES = 24;
export const MAX_SECRET_BYTES = 64;
const GENERATED_SECRET_BYTES = 32;

/** The HMAC key a `whsec_` secret stands for, or undefined when `text` is not one. */
export function parseSecret(text: string): Buffer | undefined {
  if (!text.startsWith(SECRET_PREFIX)) return undefined;
  const encoded = text.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  const key = Buffer.from(encoded, 'base64');
  // Only the canonical encoding, so one key has one spelling.
  if (key.toString('base64') !== encoded) return undefined;
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    return undefined;
  }
  return key;
}

export function formatSecret(key: Buffer): string {
  return `${SECRET_PREFIX}${key.toString('base64')}`;
}

export function generateSecret(): string {
  return formatSecret(randomBytes(GENERATED_SECRET_BYTES));
}

export const SECRET_RULE = `secret must be ${SECRET_PREFIX} followed by the base64 of ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} random bytes`;
