// Turns a stored webhook into the durable subscription that delivers it, so its runs get retries,
// dead letters and replay like any handler.
import type { HandlerContext } from '../dispatch/handler-context.js';
import type { SubscriptionDefinition } from '../dispatch/subscription-definition.js';
import type { SubscriptionFactory } from '../dispatch/subscription-factory.js';
import type { StoredEvent } from '../store/stored-event.js';
import type { HostPolicy } from './host-policy.js';
import { subscriptionNameOf, type Webhook } from './webhook.js';
import { deliverWebhook } from './webhook-delivery.js';

// DNS and connection set-up on top of the request's own timeout.
const HANDLER_MARGIN_MS = 5_000;

export interface WebhookDelivery {
  hosts: HostPolicy;
  timeoutMs: number;
}

export function webhookSubscription(
  factory: SubscriptionFactory,
  webhook: Webhook,
  signingKey: Buffer | null,
  { hosts, timeoutMs }: WebhookDelivery,
): SubscriptionDefinition {
  return factory.create(
    [webhook.pattern],
    {
      name: subscriptionNameOf(webhook.name),
      startFrom: webhook.startFrom,
      timeout: timeoutMs + HANDLER_MARGIN_MS,
      // A receiver that is down or slow is no reason to take this instance out of service.
      failReadinessOnLag: false,
    },
    (event: StoredEvent, context: HandlerContext) =>
      deliverWebhook(webhook, event, {
        hosts,
        signingKey,
        timeoutMs,
        signal: context.signal,
      }),
    `Webhook ${webhook.name}`,
  );
}
