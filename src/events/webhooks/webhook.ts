export type WebhookMode = 'structured' | 'binary';

/** A webhook subscription as stored. */
export interface Webhook {
  name: string;
  pattern: string;
  url: string;
  mode: WebhookMode;
  /** The signing key sealed by WebhookSecretVault; null: deliveries are not signed. */
  sealedSecret: string | null;
  startFrom: 'now' | 'beginning';
  createdAt: string;
}

/** Webhooks run as durable subscriptions under this prefix, apart from code-defined names. */
export const WEBHOOK_SUBSCRIPTION_PREFIX = 'webhook.';

export function subscriptionNameOf(webhookName: string): string {
  return `${WEBHOOK_SUBSCRIPTION_PREFIX}${webhookName}`;
}
