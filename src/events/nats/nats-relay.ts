import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { JetStreamClient } from '@nats-io/jetstream';
import { SubscriptionControl } from '../dispatch/subscription-control.js';
import type { SubscriptionDefinition } from '../dispatch/subscription-definition.js';
import { SubscriptionFactory } from '../dispatch/subscription-factory.js';
import {
  DependencyUnavailable,
  isPermanentFailure,
} from '../errors/handler-failures.js';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
  type NatsOptions,
} from '../options/events.options.js';
import type { StoredEvent } from '../store/stored-event.js';
import { NatsLink } from './nats-connection.js';
import { isRelayed, publishAll } from './relay-publisher.js';
import { ensureRelayStream } from './relay-stream.js';

export const RELAY_SUBSCRIPTION = 'nats.relay';

// After a failure on a live connection (JetStream still recovering, say), before trying again.
const RETRY_PAUSE_MS = 1_000;
// How long a batch waits for a connection being established before the subscription pauses.
const CONNECT_GRACE_MS = 1_000;

/**
 * The outbound relay: a durable batch subscription (`nats.relay`) that publishes every
 * committed event of `nats.relay.types` to JetStream. Its checkpoint moves past a batch only
 * once JetStream acknowledged every event of it; while NATS cannot be reached the subscription
 * pauses (DependencyUnavailable) and resumes from its checkpoint, so nothing is skipped, and
 * resent events are dropped by JetStream as duplicates (`Nats-Msg-Id` = event id).
 */
@Injectable()
export class NatsRelay implements OnApplicationBootstrap {
  private readonly logger = new Logger('NatsRelay');
  private readonly options: NatsOptions['relay'];
  private client?: JetStreamClient;
  private streamReady = false;

  constructor(
    private readonly link: NatsLink,
    private readonly control: SubscriptionControl,
    private readonly factory: SubscriptionFactory,
    @Inject(EVENTS_OPTIONS) { nats }: EventsOptions,
  ) {
    this.options = nats.relay;
  }

  /** Not awaited: SubscriptionControl.add waits for the dispatcher's own bootstrap. */
  onApplicationBootstrap(): void {
    if (!this.options.enabled) return;
    const definition = this.definition();
    void this.control.add(definition).then(
      () =>
        this.logger.log(
          `relaying ${this.options.types.join(', ')} to ${this.options.subjectPrefix}.<type> (stream ${this.options.stream})`,
        ),
      (error: Error) =>
        this.logger.error(`relay not started: ${error.message}`),
    );
  }

  private definition(): SubscriptionDefinition {
    return this.factory.create(
      this.options.types,
      {
        name: RELAY_SUBSCRIPTION,
        // A broker outage is not this instance's fault: it keeps serving while the relay waits.
        failReadinessOnLag: false,
      },
      (events: StoredEvent[]) => this.relay(events),
      'NatsRelay',
      { batch: true },
    );
  }

  private async relay(events: StoredEvent[]): Promise<void> {
    const outgoing = events.filter(isRelayed);
    if (outgoing.length === 0) return;
    try {
      const js = await this.jetstream();
      await publishAll(js, this.options.subjectPrefix, outgoing);
    } catch (error) {
      if (isPermanentFailure(error)) throw error;
      // The stream may be gone (a NATS server started without its store): made again next time.
      this.streamReady = false;
      throw new DependencyUnavailable(
        `NATS JetStream unavailable: ${(error as Error).message}`,
        () => this.retryable(),
        { cause: error },
      );
    }
  }

  private async jetstream(): Promise<JetStreamClient> {
    if (!this.link.isConnected) {
      // At start the first connection is usually a moment away: no need to pause for it.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.link.whenConnected(),
        new Promise(
          (resolve) => (timer = setTimeout(resolve, CONNECT_GRACE_MS)),
        ),
      ]);
      clearTimeout(timer);
      if (!this.link.isConnected) throw new Error('not connected');
    }
    this.client ??= await this.link.jetstream();
    if (!this.streamReady) {
      await ensureRelayStream(
        await this.link.manager(),
        this.options.stream,
        this.options.subjectPrefix,
      );
      this.streamReady = true;
    }
    return this.client;
  }

  private async retryable(): Promise<void> {
    if (this.link.isConnected) {
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    }
    await this.link.whenConnected();
  }
}
