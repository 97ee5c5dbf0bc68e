// Brings this instance's running webhooks in line with the stored ones, at start and when another
// instance sharing the database created or deleted some.
import type { Logger } from '@nestjs/common';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { SubscriptionControl } from '../dispatch/subscription-control.js';
import type { SubscriptionDefinition } from '../dispatch/subscription-definition.js';
import {
  subscriptionNameOf,
  WEBHOOK_SUBSCRIPTION_PREFIX,
  type Webhook,
} from './webhook.js';
import type { WebhookSecretVault } from './webhook-secret-vault.js';
import type { WebhookStore } from './webhook-store.js';

export interface WebhookRestore {
  store: WebhookStore;
  dispatcher: Dispatcher;
  control: SubscriptionControl;
  vault: WebhookSecretVault;
  logger: Logger;
  /** True once the application shuts down: no webhook is started after that. */
  closing: () => boolean;
  subscriptionOf: (
    webhook: Webhook,
    signingKey: Buffer | null,
  ) => SubscriptionDefinition;
}

/** Runs every stored webhook not known here yet, and drops the known ones deleted since. */
export async function restoreWebhooks({
  store,
  dispatcher,
  control,
  vault,
  logger,
  closing,
  subscriptionOf,
}: WebhookRestore): Promise<void> {
  let webhooks: Webhook[];
  try {
    webhooks = await store.list();
  } catch (error) {
    logger.error(
      `webhook subscriptions not loaded: ${(error as Error).message}`,
    );
    return;
  }
  const stored = new Set(webhooks.map((w) => subscriptionNameOf(w.name)));
  for (const name of dispatcher.definitionNames()) {
    if (name.startsWith(WEBHOOK_SUBSCRIPTION_PREFIX) && !stored.has(name))
      await control.remove(name, { forget: false });
  }
  for (const webhook of webhooks) {
    if (closing()) return;
    if (dispatcher.definition(subscriptionNameOf(webhook.name))) continue;
    try {
      const signingKey =
        webhook.sealedSecret === null
          ? null
          : vault.open(webhook.name, webhook.sealedSecret);
      await control.add(subscriptionOf(webhook, signingKey));
    } catch (error) {
      logger.error(
        `webhook ${webhook.name} not started: ${(error as Error).message}`,
      );
    }
  }
  if (webhooks.length > 0) {
    logger.log(
      `${webhooks.length} webhook subscription(s): ${webhooks.map((w) => w.name).join(', ')}`,
    );
  }
}
