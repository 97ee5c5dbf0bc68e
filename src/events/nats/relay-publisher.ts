import { headers, InvalidArgumentError } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import { toCloudEvent } from '../cloudevents/cloud-event.mapper.js';
import { CLOUDEVENT_CONTENT_TYPE } from '../cloudevents/negotiation.js';
import { PermanentFailure } from '../errors/handler-failures.js';
import type { StoredEvent } from '../store/stored-event.js';

/** What came in through the NATS consumer carries this in `metadata.receivedVia`. */
export const RECEIVED_VIA_NATS = 'nats';

const encoder = new TextEncoder();

/** `<prefix>.<type>`: event types are dot-separated words, so each word is a subject token. */
export function subjectOf(subjectPrefix: string, type: string): string {
  return `${subjectPrefix}.${type}`;
}

/** Whether the relay sends this event: not when it came in from NATS (no loops). */
export function isRelayed(event: StoredEvent): boolean {
  return event.metadata.receivedVia !== RECEIVED_VIA_NATS;
}

/**
 * Publishes events as structured CloudEvents, all at once: every publish is sent before any
 * acknowledgement is awaited, so a batch costs about one round trip, not one per event.
 * Resolves only when JetStream acknowledged every one of them (a duplicate, dropped by
 * `Nats-Msg-Id` within the stream's window, is acknowledged too); rejects with the first
 * failure otherwise, and the caller sends the whole batch again.
 */
export async function publishAll(
  js: JetStreamClient,
  subjectPrefix: string,
  events: readonly StoredEvent[],
): Promise<void> {
  const pending = events.map((event) => {
    const messageHeaders = headers();
    messageHeaders.set('content-type', CLOUDEVENT_CONTENT_TYPE);
    return js
      .publish(
        subjectOf(subjectPrefix, event.type),
        encoder.encode(JSON.stringify(toCloudEvent(event))),
        { msgID: event.id, headers: messageHeaders },
      )
      .catch((error: unknown) => {
        throw isTooLarge(error)
          ? new PermanentFailure(
              `event ${event.id} is larger than the NATS server's max_payload`,
              { cause: error },
            )
          : error;
      });
  });
  const outcomes = await Promise.allSettled(pending);
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

function isTooLarge(error: unknown): boolean {
  return (
    error instanceof InvalidArgumentError &&
    error.message.includes('max_payload')
  );
}
