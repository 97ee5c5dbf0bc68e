import type { StoredEvent } from '../store/stored-event.js';

/**
 * What a publisher waits on after its events committed. By default nothing; with
 * event.handlers.async = false, until every matching durable handler is done with them. The
 * dispatcher provides it, so publishing never depends on how delivery works.
 */
export abstract class DeliveryBarrier {
  abstract afterCommit(events: readonly StoredEvent[]): Promise<void>;
}
