import {
  binaryMessage,
  structuredMessage,
} from '../cloudevents/cloud-event-writer.js';
import { PermanentFailure } from '../errors/handler-failures.js';
import type { StoredEvent } from '../store/stored-event.js';
import type { HostPolicy } from './host-policy.js';
import type { Webhook } from './webhook.js';
import { WebhookRetryableError } from './webhook.errors.js';
import { SIGNATURE_HEADER, signBody } from './webhook-signature.js';

const USER_AGENT = 'nest-event-starter-webhooks/1';
const EXCERPT = 200;

/**
 * One delivery attempt: an HTTP POST of the CloudEvent. 2xx acknowledges; 408, 429, 5xx,
 * timeouts and network errors are retried by the subscription (backoff, then dead letter);
 * any other status is a permanent failure and parks the event at once. Redirects are not
 * followed: their target never went through the host check.
 */
export async function deliverWebhook(
  webhook: Webhook,
  event: StoredEvent,
  options: { hosts: HostPolicy; timeoutMs: number; signal: AbortSignal },
): Promise<void> {
  const url = new URL(webhook.url);
  let verdict;
  try {
    verdict = await options.hosts.check(url);
  } catch (error) {
    throw new WebhookRetryableError(
      `cannot resolve ${url.hostname}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!verdict.allowed) throw new PermanentFailure(verdict.reason);

  const message =
    webhook.mode === 'binary' ? binaryMessage(event) : structuredMessage(event);
  const headers: Record<string, string> = {
    ...message.headers,
    'user-agent': USER_AGENT,
  };
  if (webhook.secret !== null) {
    headers[SIGNATURE_HEADER] = signBody(webhook.secret, message.body);
  }

  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers,
      body: message.body,
      redirect: 'manual',
      signal: AbortSignal.any([
        options.signal,
        AbortSignal.timeout(options.timeoutMs),
      ]),
    });
  } catch (error) {
    const cause = (error as Error).cause as Error | undefined;
    throw new WebhookRetryableError(
      `POST ${url.origin}${url.pathname} failed: ${cause?.message ?? (error as Error).message}`,
      { cause: error },
    );
  }
  const { status } = response;
  const detail = await excerpt(response);
  if (status >= 200 && status < 300) return;
  const summary = `POST ${url.origin}${url.pathname} answered ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 408 || status === 429 || status >= 500) {
    throw new WebhookRetryableError(summary);
  }
  throw new PermanentFailure(
    status >= 300 && status < 400
      ? `${summary} (redirects are not followed)`
      : summary,
  );
}

/** The start of the response body, for the error message; the rest is never read. */
async function excerpt(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < EXCERPT * 4) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
    }
  } catch {
    // A body cut short still leaves the status to judge by.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .slice(0, EXCERPT)
    .replace(/\s+/g, ' ')
    .trim();
}
