import { compareCursors, cursorOf } from '../store/event-cursor.js';
import { Injectable } from '@nestjs/common';
import { EventNotFoundError } from '../errors/not-found.errors.js';
import { DeadLetterStore } from '../store/dead-letter-store.js';
import { EventStore } from '../store/event-store.js';
import type { StoredEvent } from '../store/stored-event.js';
import { Dispatcher } from './dispatcher.js';

export type DeliveryState =
  | { subscription: string; status: 'delivered' }
  | { subscription: string; status: 'pending' }
  | {
      subscription: string;
      status: 'retrying';
      attempt: number;
      nextAttemptAt: string;
    }
  | {
      subscription: string;
      status: 'dead_lettered';
      deadLetterId: string;
      attempts: number;
      lastError: string;
    };

export interface EventDeliveryStatus {
  event: StoredEvent;
  subscriptions: DeliveryState[];
}

/** Where one event stands with each subscription that matches it. */
@Injectable()
export class DeliveryStatusService {
  constructor(
    private readonly store: EventStore,
    private readonly deadLetters: DeadLetterStore,
    private readonly dispatcher: Dispatcher,
  ) {}

  async statusOf(id: string, source?: string): Promise<EventDeliveryStatus> {
    const event = await this.store.findById(id, source);
    if (!event) throw new EventNotFoundError(id);
    const parked = new Map(
      (await this.deadLetters.listForEvent(event.position)).map((entry) => [
        entry.subscription,
        entry,
      ]),
    );
    const subscriptions: DeliveryState[] = [];
    for (const runner of this.dispatcher.all) {
      if (!runner.matches(event.type)) continue;
      const subscription = runner.definition.name;
      const deadLetter = parked.get(subscription);
      const retry = runner.retrying;
      if (deadLetter) {
        subscriptions.push({
          subscription,
          status: 'dead_lettered',
          deadLetterId: deadLetter.id,
          attempts: deadLetter.attempts,
          lastError: deadLetter.lastError,
        });
      } else if (retry && retry.position === event.position) {
        subscriptions.push({
          subscription,
          status: 'retrying',
          attempt: retry.attempt,
          nextAttemptAt: retry.nextAttemptAt,
        });
      } else if (
        compareCursors(runner.checkpoint.cursor, cursorOf(event)) >= 0
      ) {
        subscriptions.push({ subscription, status: 'delivered' });
      } else {
        subscriptions.push({ subscription, status: 'pending' });
      }
    }
    return { event, subscriptions };
  }
}
