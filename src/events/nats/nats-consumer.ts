import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
  type NatsOptions,
} from '../options/events.options.js';
import { ensureDurableConsumer } from './consumer-setup.js';
import { InboundStore } from './inbound-store.js';
import { NatsLink } from './nats-connection.js';

// Before setting the consumer up again after a failure (no stream yet, NATS restarting).
const SETUP_RETRY_MS = 2_000;
// Messages pulled ahead of the one being stored.
const PULL_AHEAD = 64;

/**
 * The inbound consumer: reads `nats.consumer.stream` through a durable pull consumer and
 * stores each message, one at a time in stream order (InboundStore). A message is acked only
 * once its events are committed, or once it is parked; while this service cannot store it
 * (storage fault, full buffer) the same message is tried again in place, with JetStream told
 * it is still being worked on, so later messages never overtake it.
 */
@Injectable()
export class NatsConsumer
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger('NatsConsumer');
  private readonly options: NatsOptions['consumer'];
  private running: Promise<void> = Promise.resolve();
  private messages?: ConsumerMessages;
  private stopping = false;
  private wake?: () => void;

  constructor(
    private readonly link: NatsLink,
    private readonly inbound: InboundStore,
    @Inject(EVENTS_OPTIONS) { nats }: EventsOptions,
  ) {
    this.options = nats.consumer;
  }

  onApplicationBootstrap(): void {
    if (this.options.enabled) this.running = this.run();
  }

  /** Stops pulling; the message being stored is finished (or left unacked for redelivery). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.messages?.close().catch(() => undefined);
    await this.running;
  }

  private async run(): Promise<void> {
    const { stream, durable, subjects } = this.options;
    while (!this.stopping) {
      try {
        await this.link.whenConnected();
        if (this.stopping) return;
        await ensureDurableConsumer(
          await this.link.manager(),
          stream,
          durable,
          subjects,
        );
        const consumer = await (
          await this.link.jetstream()
        ).consumers.get(stream, durable);
        this.messages = await consumer.consume({ max_messages: PULL_AHEAD });
        this.logger.log(`consuming ${stream} as ${durable}`);
        for await (const message of this.messages) {
          if (this.stopping) break;
          await this.handle(message);
        }
      } catch (error) {
        if (this.stopping) return;
        this.logger.warn(
          `consumer ${durable} on ${stream} not running, retrying: ${(error as Error).message}`,
        );
      }
      await this.pause(SETUP_RETRY_MS);
    }
  }

  private async handle(message: JsMsg): Promise<void> {
    for (;;) {
      const result = await this.inbound.store(message);
      if (result.outcome !== 'retry') {
        message.ack();
        return;
      }
      if (this.stopping) {
        // Not acked: JetStream delivers it again, to the next start or another instance.
        message.nak();
        return;
      }
      this.logger.warn(
        `message ${message.info.streamSequence} of ${message.subject} not stored yet: ${result.reason}`,
      );
      message.working();
      await this.pause(result.afterMs);
    }
  }

  private async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }
}
