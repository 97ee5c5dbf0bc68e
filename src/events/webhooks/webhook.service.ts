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
import { EventPattern } from '../patterns/event-pattern.js';
import { DeadLetterStore } from '../store/dead-letter-store.js';
import { SubscriptionStore } from '../store/subscription-store.js';
import { HostPolicy } from './host-policy.js';
import { sealPlaintextSecrets } from './plaintext-secrets.js';
import {
  subscriptionNameOf,
  type Webhook,
  type WebhookMode,
} from './webhook.js';
import { restoreWebhooks } from './webhook-restore.js';
import { webhookSubscription } from './webhook-subscription.js';
import { checkWebhookUrl } from './webhook-url.js';
import {
  webhookView,
  type CreatedWebhook,
  type WebhookView,
} from './webhook-view.js';
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
    const url = (await checkWebhookUrl(input.url, this.hosts)).toString();
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
      const definition = this.subscriptionOf(webhook, signingKey);
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
      return { ...webhookView(webhook, this.dispatcher), secret };
    });
  }

  async list(): Promise<WebhookView[]> {
    await this.restoring;
    return (await this.store.list()).map((webhook) =>
      webhookView(webhook, this.dispatcher),
    );
  }

  async get(name: string): Promise<WebhookView> {
    await this.restoring;
    const webhook = await this.store.get(name);
    if (!webhook) throw new WebhookNotFoundError(name);
    return webhookView(webhook, this.dispatcher);
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

  private restore(): Promise<void> {
    return restoreWebhooks({
      store: this.store,
      dispatcher: this.dispatcher,
      control: this.control,
      vault: this.vault,
      logger: this.logger,
      closing: () => this.closing,
      subscriptionOf: (webhook, signingKey) =>
        this.subscriptionOf(webhook, signingKey),
    });
  }

  private subscriptionOf(
    webhook: Webhook,
    signingKey: Buffer | null,
  ): SubscriptionDefinition {
    return webhookSubscription(this.factory, webhook, signingKey, {
      hosts: this.hosts,
      timeoutMs: this.timeoutMs,
    });
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.mutations.then(work, work);
    this.mutations = result.catch(() => undefined);
    return result;
  }
}
