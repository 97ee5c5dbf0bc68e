// What the API shows of a webhook: its settings and its subscription's progress, never its secret.
import type { Dispatcher } from '../dispatch/dispatcher.js';
import {
  subscriptionNameOf,
  type Webhook,
  type WebhookMode,
} from './webhook.js';

/** A webhook with its delivery progress; never its secret. */
export interface WebhookView {
  name: string;
  subscription: string;
  pattern: string;
  url: string;
  mode: WebhookMode;
  signed: boolean;
  startFrom: 'now' | 'beginning';
  createdAt: string;
  status: {
    running: boolean;
    position: number;
    lag: number;
    processed: number;
    failed: number;
    deadLettered: number;
    lastError: string | null;
    lastErrorAt: string | null;
  } | null;
}

/** The creation's answer: the only time the signing secret is shown. */
export interface CreatedWebhook extends WebhookView {
  secret: string;
}

/** The webhook as stored, with the live state of its runner when it runs on this instance. */
export function webhookView(
  webhook: Webhook,
  dispatcher: Dispatcher,
): WebhookView {
  const subscription = subscriptionNameOf(webhook.name);
  const runner = dispatcher.runner(subscription);
  const state = runner?.snapshot;
  return {
    name: webhook.name,
    subscription,
    pattern: webhook.pattern,
    url: webhook.url,
    mode: webhook.mode,
    signed: webhook.sealedSecret !== null,
    startFrom: webhook.startFrom,
    createdAt: webhook.createdAt,
    status: state
      ? {
          running: true,
          position: state.position,
          lag: Math.max(0, dispatcher.head.position - state.position),
          processed: state.processed,
          failed: state.failed,
          deadLettered: state.deadLettered,
          lastError: state.lastError,
          lastErrorAt: state.lastErrorAt,
        }
      : null,
  };
}
