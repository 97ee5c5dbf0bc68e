import { Injectable } from '@nestjs/common';
import { DeliveryBarrier } from './delivery-barrier.js';
import type { AppendResult } from '../store/event-store.js';
import type { AppendOptions, ExpectedVersion } from '../store/new-event.js';
import type { StoredEvent } from '../store/stored-event.js';
import { eventContext } from './event-context.js';
import { EventPreparer, type Publishable } from './event-preparer.js';
import { EventWriter } from './event-writer.js';
import type { BufferPolicy } from './writer/group-commit-writer.js';

export interface PublishOptions extends AppendOptions {
  /**
   * When event.bus.buffer_size events already wait: 'wait' for room, or 'reject' with
   * BufferFullError. Default: 'reject' while serving an HTTP request (503), 'wait' otherwise.
   */
  whenFull?: BufferPolicy;
}

/**
 * Publishes events that have no accompanying domain write (for those, use UnitOfWork).
 * The promise resolves once the events are committed and rejects if they were not stored;
 * an array is appended atomically.
 */
@Injectable()
export class EventBus {
  constructor(
    private readonly preparer: EventPreparer,
    private readonly writer: EventWriter,
    private readonly delivery: DeliveryBarrier,
  ) {}

  // The array overload comes first: an array is an object, so it would match Publishable too.
  publish(
    events: Publishable[],
    options?: PublishOptions,
  ): Promise<StoredEvent[]>;
  publish<T = unknown>(
    event: Publishable,
    options?: PublishOptions,
  ): Promise<StoredEvent<T>>;
  async publish(
    input: Publishable | Publishable[],
    options: PublishOptions = {},
  ): Promise<StoredEvent | StoredEvent[]> {
    const { events } = await this.append(input, options);
    return Array.isArray(input) ? events : events[0];
  }

  /**
   * Appends events to one stream, which must be at `expectedVersion` (0: must not exist yet).
   * Otherwise nothing is stored and the promise rejects with ConcurrencyError, which carries
   * the stream's current version (HTTP 409). Inside a unit of work use `tx.append` instead.
   */
  appendToStream(
    streamId: string,
    events: Publishable | Publishable[],
    { expectedVersion }: { expectedVersion: ExpectedVersion },
  ): Promise<StoredEvent[]> {
    const list: Publishable[] = Array.isArray(events) ? events : [events];
    return this.publish(list, { streamId, expectedVersion });
  }

  /** Like publish, and tells which events were created and which already existed (same source + id). */
  async append(
    input: Publishable | Publishable[],
    options: PublishOptions = {},
  ): Promise<AppendResult> {
    const context = eventContext.current();
    const request = this.preparer.toRequest(input, options, context);
    const inHandler = context?.inHandler === true;
    const result = await this.writer.append(request, {
      whenFull:
        options.whenFull ?? (context?.refuseWhenFull ? 'reject' : 'wait'),
      duringShutdown: inHandler,
    });
    if (!inHandler) {
      await this.delivery.afterCommit(
        result.events.filter((_, i) => result.created[i]),
      );
    }
    return result;
  }
}
