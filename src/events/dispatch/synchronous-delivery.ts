import { Inject, Injectable } from '@nestjs/common';
import { DeliveryBarrier } from '../bus/delivery-barrier.js';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { cursorOf } from '../store/event-cursor.js';
import type { StoredEvent } from '../store/stored-event.js';
import { Dispatcher } from './dispatcher.js';

/**
 * With event.handlers.async = false, publishers wait here until every matching durable
 * handler is done with their events (handy in scripts and tests); otherwise not at all.
 */
@Injectable()
export class SynchronousDelivery extends DeliveryBarrier {
  private readonly synchronous: boolean;

  constructor(
    private readonly dispatcher: Dispatcher,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    super();
    this.synchronous = !options.handlers.async;
  }

  async afterCommit(events: readonly StoredEvent[]): Promise<void> {
    if (!this.synchronous || events.length === 0) return;
    const waits: Promise<void>[] = [];
    for (const runner of this.dispatcher.all) {
      let last: StoredEvent | undefined;
      for (const event of events)
        if (
          runner.matches(event.type) &&
          (!last || event.position > last.position)
        )
          last = event;
      // One unit's events share a transaction: the highest position comes last in log order.
      if (last) waits.push(runner.reached(cursorOf(last)));
    }
    await Promise.all(waits);
  }
}
