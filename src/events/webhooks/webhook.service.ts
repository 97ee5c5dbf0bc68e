import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import type { AppConfig } from '../../config/app-config.js';
import { GroupCommitWriter } from '../bus/group-commit-writer.js';
import { Dispatcher } from '../dispatch/dispatcher.js';
import type { SubscriptionDefinition } from '../dispatch/subscription-definition.js';
import { SubscriptionFactory } from '../dispatch/subscription-factory.js';
import type { HandlerContext } from '../dispatch/handler-context.js';
import type { StoredEvent } from '../store/stored-event.js';
import { EventPattern } from '../event-pattern.js';
import { DeadLetterStore } from '../store/dead-letter-store.js';
import { SubscriptionStore } from '../store/subscription-store.js';
import { HostPolicy } from './host-policy.js';
import {
  subscriptionNameOf,
  type Webhook,
  type WebhookMode,
} from './webhook.js';
import { deliverWebhook } from './webhook-delivery.js';
import { WebhookExistsError, WebhookNotFoundError } from './webhook.errors.js';
import { WebhookStore } from './webhook-store.js';

export interface NewWebhook {
  name: string;
  pattern: string;
  url: string;
  mode?: WebhookMode;
  secret?: string;
  startFrom?: 'now' | 'beginning';
}

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

// DNS and connection set-up on top of the request's own timeout.
const HANDLER_MARGIN_MS = 5_000;

/**
 * Webhook subscriptions: created at run time, persisted, and run as durable subscriptions
 * (own checkpoint, retries with backoff, dead letters, replay) that POST each matching event to
 * a URL as a CloudEvent. Re-added at every start, so a restart resumes from the checkpoint.
 */
@Injectable()
export class WebhookService
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(WebhookService.name);
  private readonly hosts: HostPolicy;
  private readonly timeoutMs: number;
  private restoring: Promise<void> = Promise.resolve();
  /** Create and delete run one at a time, so a name is never half created and half removed. */
  private mutations: Promise<unknown> = Promise.resolve();
  private closing = false;

  constructor(
    private readonly store: WebhookStore,
    private readonly dispatcher: Dispatcher,
    private readonly factory: SubscriptionFactory,
    private readonly writer: GroupCommitWriter,
    private readonly subscriptions: SubscriptionStore,
    private readonly deadLetters: DeadLetterStore,
    config: ConfigService<AppConfig, true>,
  ) {
    const webhooks = config.get('webhooks', { infer: true });
    this.hosts = new HostPolicy(webhooks.allowed_hosts);
    this.timeoutMs = webhooks.timeout;
  }

  /** Not awaited: Dispatcher.add waits for the dispatcher's own bootstrap to finish. */
  onApplicationBootstrap(): void {
    this.restoring = this.restore();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.restoring;
  }

  async create(input: NewWebhook): Promise<WebhookView> {
    const webhook: Webhook = {
      name: input.name,
      pattern: EventPattern.parse(input.pattern, 'pattern').source,
      url: (await this.checkUrl(input.url)).toString(),
      mode: input.mode ?? 'structured',
      secret: input.secret ?? null,
      startFrom: input.startFrom ?? 'now',
      createdAt: new Date().toISOString(),
    };
    const definition = this.definition(webhook);
    return this.serialized(async () => {
      await this.restoring;
      if (await this.store.get(webhook.name)) {
        throw new WebhookExistsError(webhook.name);
      }
      await this.writer.runUnit((tx) =>
        this.store.insert(tx.queryRunner, webhook),
      );
      try {
        await this.dispatcher.add(definition);
      } catch (error) {
        await this.writer.runUnit((tx) =>
          this.store.delete(tx.queryRunner, webhook.name),
        );
        throw error;
      }
      return this.view(webhook);
    });
  }

  async list(): Promise<WebhookView[]> {
    await this.restoring;
    return (await this.store.list()).map((webhook) => this.view(webhook));
  }

  async get(name: string): Promise<WebhookView> {
    await this.restoring;
    const webhook = await this.store.get(name);
    if (!webhook) throw new WebhookNotFoundError(name);
    return this.view(webhook);
  }

  /** Stops delivery and removes the webhook with its checkpoint and dead letters, atomically. */
  async remove(name: string): Promise<void> {
    await this.serialized(async () => {
      await this.restoring;
      const webhook = await this.store.get(name);
      if (!webhook) throw new WebhookNotFoundError(name);
      const subscription = subscriptionNameOf(name);
      await this.dispatcher.remove(subscription, { forget: false });
      await this.writer.runUnit(async (tx) => {
        await this.deadLetters.removeForSubscription(
          tx.queryRunner,
          subscription,
        );
        await this.subscriptions.delete(tx.queryRunner, subscription);
        await this.store.delete(tx.queryRunner, name);
      });
    });
  }

  private async restore(): Promise<void> {
    let webhooks: Webhook[];
    try {
      webhooks = await this.store.list();
    } catch (error) {
      this.logger.error(
        `webhook subscriptions not loaded: ${(error as Error).message}`,
      );
      return;
    }
    for (const webhook of webhooks) {
      if (this.closing) return;
      try {
        await this.dispatcher.add(this.definition(webhook));
      } catch (error) {
        this.logger.error(
          `webhook ${webhook.name} not started: ${(error as Error).message}`,
        );
      }
    }
    if (webhooks.length > 0) {
      this.logger.log(
        `${webhooks.length} webhook subscription(s): ${webhooks.map((w) => w.name).join(', ')}`,
      );
    }
  }

  private definition(webhook: Webhook): SubscriptionDefinition {
    return this.factory.create(
      [webhook.pattern],
      {
        name: subscriptionNameOf(webhook.name),
        startFrom: webhook.startFrom,
        timeout: this.timeoutMs + HANDLER_MARGIN_MS,
        // A receiver that is down or slow is no reason to take this instance out of service.
        failReadinessOnLag: false,
      },
      (event: StoredEvent, context: HandlerContext) =>
        deliverWebhook(webhook, event, {
          hosts: this.hosts,
          timeoutMs: this.timeoutMs,
          signal: context.signal,
        }),
      `Webhook ${webhook.name}`,
    );
  }

  /** http(s) only, and a host webhooks.allowed_hosts admits. */
  private async checkUrl(text: string): Promise<URL> {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new InvalidInputError('url', 'url must be an absolute http(s) URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidInputError(
        'url',
        `url must use http or https (got ${url.protocol.replace(/:$/, '')})`,
      );
    }
    let verdict;
    try {
      verdict = await this.hosts.check(url);
    } catch {
      // Not resolvable yet: every delivery checks the host again before connecting.
      return url;
    }
    if (!verdict.allowed) {
      throw new InvalidInputError('url', `url refused: ${verdict.reason}`);
    }
    return url;
  }

  private view(webhook: Webhook): WebhookView {
    const subscription = subscriptionNameOf(webhook.name);
    const runner = this.dispatcher.runner(subscription);
    const state = runner?.snapshot;
    return {
      name: webhook.name,
      subscription,
      pattern: webhook.pattern,
      url: webhook.url,
      mode: webhook.mode,
      signed: webhook.secret !== null,
      startFrom: webhook.startFrom,
      createdAt: webhook.createdAt,
      status: state
        ? {
            running: true,
            position: state.position,
            lag: Math.max(0, this.dispatcher.head - state.position),
            processed: state.processed,
            failed: state.failed,
            deadLettered: state.deadLettered,
            lastError: state.lastError,
            lastErrorAt: state.lastErrorAt,
          }
        : null,
    };
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.mutations.then(work, work);
    this.mutations = result.catch(() => undefined);
    return result;
  }
}
