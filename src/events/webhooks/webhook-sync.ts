import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SubscriptionStore } from '../store/subscription-store.js';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { WebhookService } from './webhook.service.js';

/**
 * Several instances on PostgreSQL: a webhook created through one instance starts on the
 * others, and one deleted stops everywhere, within one lease term, without a restart. (On
 * SQLite the one process already knows.)
 */
@Injectable()
export class WebhookSync
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(WebhookSync.name);
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;

  constructor(
    private readonly webhooks: WebhookService,
    private readonly subscriptions: SubscriptionStore,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    this.intervalMs = Math.ceil(options.cluster.leaseTtlMs / 3);
  }

  onApplicationBootstrap(): void {
    if (this.subscriptions.dialect.kind !== 'postgres') return;
    this.timer = setInterval(() => {
      this.webhooks
        .syncWithDatabase()
        .catch((error: Error) =>
          this.logger.warn(`webhooks not synchronised: ${error.message}`),
        );
    }, this.intervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
