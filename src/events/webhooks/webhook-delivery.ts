import { request } from 'undici';
import {
  binaryMessage,
  structuredMessage,
} from '../cloudevents/cloud-event-writer.js';
import { PermanentFailure } from '../errors/handler-failures.js';
import type { StoredEvent } from '../store/stored-event.js';
import type { HostPolicy } from './host-policy.js';
import { pinnedAgent } from './pinned-agent.js';
import type { Webhook } from './webhook.js';
import { WebhookRetryableError } from './webhook.errors.js';
import { messageIdOf, signatureHeaders } from './webhook-signature.js';

const USER_AGENT = 'nest-event-starter-webhooks/1';

export interface DeliveryOptions {
  hosts: HostPolicy;
  /** HMAC key of the Standard Webhooks signature; null: unsigned. */
  signingKey: Buffer | null;
  timeoutMs: number;
  signal: AbortSignal;
}

/**
 * One delivery attempt: an HTTP POST of the CloudEvent to the address the host check passed
 * (resolved once, here; see HostPolicy and pinnedAgent). 2xx acknowledges; 408, 429, 5xx,
 * timeouts and network errors are retried by the subscription (backoff, then dead letter);
 * any other status is a permanent failure and parks the event at once. Redirects are never
 * followed: their target never went through the host check.
 *
 * The reply's body is never read: only its status reaches errors, stats and dead letters, so
 * a webhook cannot be used to read what an internal service answers.
 */
export async function deliverWebhook(
  webhook: Webhook,
  event: StoredEvent,
  options: DeliveryOptions,
): Promise<void> {
  const url = new URL(webhook.url);
  let verdict;
  try {
    verdict = await options.hosts.check(url);
  } catch (error) {
    throw new WebhookRetryableError((error as Error).message, { cause: error });
  }
  if (!verdict.allowed) throw new PermanentFailure(verdict.reason);

  const message =
    webhook.mode === 'binary' ? binaryMessage(event) : structuredMessage(event);
  const headers: Record<string, string> = {
    ...message.headers,
    'user-agent': USER_AGENT,
  };
  if (options.signingKey !== null) {
    Object.assign(
      headers,
      signatureHeaders(
        options.signingKey,
        messageIdOf(webhook, event),
        Math.floor(Date.now() / 1000),
        message.body,
      ),
    );
  }

  const timeout = AbortSignal.timeout(options.timeoutMs);
  const agent = pinnedAgent(verdict.target);
  let status: number;
  try {
    const response = await request(url, {
      dispatcher: agent,
      method: 'POST',
      headers,
      body: message.body,
      signal: AbortSignal.any([options.signal, timeout]),
    });
    status = response.statusCode;
    // Dropped unread; destroying an unfinished body reports an abort nobody needs.
    response.body.on('error', () => undefined).destroy();
  } catch (error) {
    throw new WebhookRetryableError(
      `POST failed: ${failureOf(error, timeout, options)}`,
      { cause: error },
    );
  } finally {
    await agent.destroy().catch(() => undefined);
  }

  if (status >= 200 && status < 300) return;
  const summary = `receiver answered ${status}`;
  if (status === 408 || status === 429 || status >= 500) {
    throw new WebhookRetryableError(summary);
  }
  throw new PermanentFailure(
    status >= 300 && status < 400
      ? `${summary}; redirects are not followed`
      : summary,
  );
}

/** What went wrong on the way, in words that carry nothing the receiver sent. */
function failureOf(
  error: unknown,
  timeout: AbortSignal,
  options: DeliveryOptions,
): string {
  if (timeout.aborted) {
    return `no answer within ${options.timeoutMs}ms (timeout)`;
  }
  if (options.signal.aborted) return 'aborted';
  const { message } = error as { message?: unknown };
  return typeof message === 'string' ? message : String(error);
}
