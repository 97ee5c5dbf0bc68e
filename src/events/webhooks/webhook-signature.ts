import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Header carrying `sha256=<hex HMAC-SHA256 of the exact request body, keyed with the
 * subscription's secret>`, as GitHub's X-Hub-Signature-256 does. A receiver recomputes it over
 * the raw bytes it received and compares in constant time.
 */
export const SIGNATURE_HEADER = 'x-webhook-signature-256';

export function signBody(secret: string, body: Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What a receiver does; exported for tests and as the reference implementation. */
export function verifySignature(
  secret: string,
  body: Uint8Array,
  header: string | undefined,
): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
