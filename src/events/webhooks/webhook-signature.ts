import { createHash, createHmac } from 'node:crypto';
import type { StoredEvent } from '../store/stored-event.js';
import type { Webhook } from './webhook.js';

/**
 * Standard Webhooks 1.0 signature headers (https://www.standardwebhooks.com/, "Signature
 * scheme"): `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the
 * bytes a `whsec_` secret encodes. The timestamp is the attempt's, so a receiver can refuse
 * a captured request replayed later (the reference libraries allow 5 minutes either way).
 */
export function signatureHeaders(
  key: Buffer,
  messageId: string,
  timestampSeconds: number,
  body: Buffer,
): Record<string, string> {
  const signature = createHmac('sha256', key)
    .update(`${messageId}.${timestampSeconds}.`)
    .update(body)
    .digest('base64');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${signature}`,
  };
}

/**
 * The `webhook-id`: the same for every attempt (and replay) of one event to one webhook, so a
 * receiver can use it as an idempotency key (an event is its CloudEvents source and id); different for another webhook or a webhook
 * created again under the same name. Derived, not the event id itself: event ids are chosen
 * by publishers, and the specification wants no `.` and nothing caller-controlled in it.
 */
export function messageIdOf(webhook: Webhook, event: StoredEvent): string {
  const digest = createHash('sha256')
    .update(
      JSON.stringify([webhook.name, webhook.createdAt, event.source, event.id]),
    )
    .digest('base64url');
  return `msg_${digest.slice(0, 32)}`;
}
