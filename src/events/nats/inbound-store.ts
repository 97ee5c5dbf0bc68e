import { HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import {
  DomainError,
  UnavailableError,
} from '../../common/errors/domain-error.js';
import { publicError } from '../../common/errors/public-error.js';
import { isStorageFault } from '../../database/storage-fault.js';
import type { Principal } from '../../security/index.js';
import { GroupCommitWriter } from '../bus/writer/group-commit-writer.js';
import { CloudEventIngress } from '../cloudevents/cloud-event-ingress.js';
import type { IncomingCloudEvent } from '../cloudevents/incoming-cloud-event.js';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { DeadLetterStore } from '../store/dead-letter-store.js';
import { readInboundMessage } from './inbound-message.js';
import { RECEIVED_VIA_NATS } from './relay-publisher.js';

export const CONSUMER_SUBSCRIPTION = 'nats.consumer';

/** What became of one message: stored (or already stored), parked, or to be tried again. */
export type InboundOutcome =
  | { outcome: 'stored' }
  | { outcome: 'parked'; reason: string }
  | { outcome: 'retry'; reason: string; afterMs: number };

/**
 * Stores the CloudEvents of one NATS message through the same ingress as POST /events (the
 * publish policy, batch caps, the commit and the fan-out to local handlers), as the consumer's
 * principal: publisher, under any source `nats.consumer.sources` admits but this service's
 * own. A message the rules refuse is parked as a dead letter of `nats.consumer`; a fault of
 * this service (storage, shutdown, full buffer) is not the message's, and asks for a retry.
 */
@Injectable()
export class InboundStore {
  private readonly logger = new Logger('NatsConsumer');
  private readonly principal: Principal;
  private readonly actor: string;

  constructor(
    private readonly ingress: CloudEventIngress,
    private readonly writer: GroupCommitWriter,
    private readonly deadLetters: DeadLetterStore,
    @Inject(EVENTS_OPTIONS) { nats }: EventsOptions,
  ) {
    const { sources, durable } = nats.consumer;
    this.actor = `nats:${durable}`;
    this.principal = {
      name: this.actor,
      roles: new Set(['publisher'] as const),
      defaultSource: `/nats/${durable}`,
      sourceRefusal: (source) =>
        sources.length === 0 || sources.includes(source)
          ? undefined
          : `source ${source} is not among nats.consumer.sources`,
    };
  }

  async store(message: JsMsg): Promise<InboundOutcome> {
    let incoming: IncomingCloudEvent[] = [];
    try {
      incoming = readInboundMessage(
        message.data,
        message.headers?.get('content-type') || undefined,
      );
      for (const { event } of incoming) {
        event.receivedVia = RECEIVED_VIA_NATS;
        event.actor = this.actor;
      }
      await this.ingress.append(incoming, this.principal);
      return { outcome: 'stored' };
    } catch (error) {
      if (!isRefusal(error)) {
        return {
          outcome: 'retry',
          reason: publicError(error),
          afterMs: retryAfterMs(error),
        };
      }
      return this.park(message, incoming[0], publicError(error));
    }
  }

  private async park(
    message: JsMsg,
    first: IncomingCloudEvent | undefined,
    reason: string,
  ): Promise<InboundOutcome> {
    try {
      await this.writer.runUnit((tx) =>
        this.deadLetters.parkMessage(tx.queryRunner, {
          subscription: CONSUMER_SUBSCRIPTION,
          subject: message.subject,
          streamSequence: message.info.streamSequence,
          body: message.data,
          eventId: first?.event.id ?? '',
          eventType: first?.event.type ?? '',
          reason,
        }),
      );
    } catch (error) {
      return {
        outcome: 'retry',
        reason: `not parked: ${publicError(error)}`,
        afterMs: retryAfterMs(error),
      };
    }
    this.logger.warn(
      `parked message ${message.info.streamSequence} of ${message.subject}: ${reason}`,
    );
    return { outcome: 'parked', reason };
  }
}

/** The message's fault (it would be a 4xx over HTTP), as opposed to this service's. */
function isRefusal(error: unknown): boolean {
  if (isStorageFault(error) || error instanceof UnavailableError) return false;
  if (error instanceof DomainError) return true;
  return error instanceof HttpException && error.getStatus() < 500;
}

function retryAfterMs(error: unknown): number {
  return error instanceof UnavailableError
    ? error.retryAfterSeconds * 1000
    : 1000;
}
