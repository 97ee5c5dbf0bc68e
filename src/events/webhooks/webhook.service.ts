import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import { GroupCommitWriter } from '../bus/writer/group-commit-writer.js';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { SubscriptionControl } from '../dispatch/subscription-control.js';
import type { SubscriptionDefinition } from '../dispatch/subscription-definition.js';
import { SubscriptionFactory } from '../dispatch/subscription-factory.js';
import type { HandlerContext } from '../dispatch/handler-context.js';
import type { StoredEvent } from '../store/stored-event.js';
import { EventPattern } from '../patterns/event-pattern.js';
import { DeadLetterStore } from '../store/dead-letter-store.js';
import { SubscriptionStore } from '../store/subscription-store.js';
import { HostPolicy } from './host-policy.js';
import { sealPlaintextSecrets } from './plaintext-secrets.js';
import {
  subscriptionNameOf,
  WEBHOOK_SUBSCRIPTION_PREFIX,
  type Webhook,
  type WebhookMode,
} from './webhook.js';
import { deliverWebhook } from './webhook-delivery.js';
import {
  systemLookup,
  WEBHOOK_DNS_LOOKUP,
  type DnsLookup,
} from './webhook-dns.js';
import {
  WebhookExistsError,
  WebhookLimitError,
  WebhookNotFoundError,
} from './webhook.errors.js';
import { generateSecret, parseSecret, SECRET_RULE } from './webhook-secret.js';
import { WebhookSecretVault } from './webhook-secret-vault.js';
import { WebhookStore } from './webhook-store.js';

export interface NewWebhook {
  name: string;
  pattern: string;
  url: string;
  mode?: WebhookMode;
  /** A `whsec_` secret; one is generated when absent. */
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

/** The creation's answer: the only time the signing secret is shown. */
export interface CreatedWebhook extends WebhookView {
  secret: string;
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
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(WebhookService.name);
  private readonly hosts: HostPolicy;
  private readonly timeoutMs: number;
  private readonly maxSubscriptions: number;
  private restoring: Promise<void> = Promise.resolve();
  /** Create and delete run one at a time, so a name is never half created and half removed. */
  private mutations: Promise<unknown> = Promise.resolve();
  private closing = false;

  constructor(
    private readonly store: WebhookStore,
    private readonly dispatcher: Dispatcher,
    private readonly control: SubscriptionControl,
    private readonly factory: SubscriptionFactory,
    private readonly writer: GroupCommitWriter,
    private readonly subscriptions: SubscriptionStore,
    private readonly deadLetters: DeadLetterStore,
    private readonly vault: WebhookSecretVault,
    @Inject(EVENTS_OPTIONS) { webhooks }: EventsOptions,
    @Optional() @Inject(WEBHOOK_DNS_LOOKUP) lookup?: DnsLookup,
  ) {
    this.hosts = new HostPolicy(webhooks.allowedHosts, lookup ?? systemLookup);
    this.timeoutMs = webhooks.timeoutMs;
    this.maxSubscriptions = webhooks.maxSubscriptions;
  }

  /**
   * Before any webhook runs: fails the start in production when secrets exist and no key is
   * configured, and seals the plain-text secrets an older version stored.
   */
  async onModuleInit(): Promise<void> {
    this.vault.announce();
    await sealPlaintextSecrets(
      this.store,
      this.vault,
      this.writer,
      this.logger,
    );
  }

  /** Not awaited: SubscriptionControl.add waits for the dispatcher's own bootstrap to finish. */
  onApplicationBootstrap(): void {
    this.restoring = this.restore();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.restoring;
  }

  async create(input: NewWebhook): Promise<CreatedWebhook> {
    const secret = input.secret ?? generateSecret();
    const signingKey = parseSecret(secret);
    if (!signingKey) throw new InvalidInputError('secret', SECRET_RULE);
    const pattern = EventPattern.parse(input.pattern, 'pattern').source;
    const url = (await this.checkUrl(input.url)).toString();
    return this.serialized(async () => {
      await this.restoring;
      if (await this.store.get(input.name)) {
        throw new WebhookExistsError(input.name);
      }
      // Counted inside this instance's one-at-a-time section: instances sharing a PostgreSQL
      // database that create at the very same moment may pass the limit by one each.
      if ((await this.store.count()) >= this.maxSubscriptions) {
        throw new WebhookLimitError(this.maxSubscriptions);
      }
      const webhook: Webhook = {
        name: input.name,
        pattern,
        url,
        mode: input.mode ?? 'structured',
        sealedSecret: this.vault.seal(input.name, signingKey),
        startFrom: input.startFrom ?? 'now',
        createdAt: new Date().toISOString(),
      };
      const definition = this.definition(webhook, signingKey);
      await this.writer.runUnit((tx) =>
        this.store.insert(tx.queryRunner, webhook),
      );
      try {
        await this.control.add(definition);
      } catch (error) {
        await this.writer.runUnit((tx) =>
          this.store.delete(tx.queryRunner, webhook.name),
        );
        throw error;
      }
      return { ...this.view(webhook), secret };
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
      await this.control.remove(subscription, { forget: false });
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

  /**
   * Several instances on PostgreSQL: starts the webhooks another instance created and stops
   * those it deleted. Called periodically (see WebhookSync).
   */
  syncWithDatabase(): Promise<void> {
    return this.serialized(async () => {
      await this.restoring;
      if (!this.closing) await this.restore();
    });
  }

  /** Runs every stored webhook not known here yet, and drops the known ones deleted since. */
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
    const stored = new Set(webhooks.map((w) => subscriptionNameOf(w.name)));
    for (const name of this.dispatcher.definitionNames()) {
      if (name.startsWith(WEBHOOK_SUBSCRIPTION_PREFIX) && !stored.has(name))
        await this.control.remove(name, { forget: false });
    }
    for (const webhook of webhooks) {
      if (this.closing) return;
      if (this.dispatcher.definition(subscriptionNameOf(webhook.name)))
        continue;
      try {
        const signingKey =
          webhook.sealedSecret === null
            ? null
            : this.vault.open(webhook.name, webhook.sealedSecret);
        await this.control.add(this.definition(webhook, signingKey));
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

  private definition(
    webhook: Webhook,
    signingKey: Buffer | null,
  ): SubscriptionDefinition {
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
          signingKey,
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
      signed: webhook.sealedSecret !== null,
      startFrom: webhook.startFrom,
      createdAt: webhook.createdAt,
      status: state
        ? {
            running: true,
            position: state.position,
            lag: Math.max(0, this.dispatcher.head.position - state.position),
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
