import type { StoredEvent } from '../store/stored-event.js';

/**
 * The most recent committed events, in position order, so caught-up subscriptions read from
 * memory instead of the database. It holds every event after `floor` that was committed through
 * this process's writer: all of them while this process is the only writer (SQLite).
 */
export class EventTail {
  private events: StoredEvent[] = [];
  private floor = Number.NEGATIVE_INFINITY;
  /** Until reset() the tail only buffers; after stopCovering() it is out of use for good. */
  private state: 'buffering' | 'covering' | 'disabled' = 'buffering';

  constructor(private readonly capacity: number) {}

  /** Starts covering everything after `head`, read from the store after subscribing to commits. */
  reset(head: number): void {
    if (this.state === 'disabled') return;
    this.floor = Math.max(head, this.floor);
    this.events = this.events.filter((event) => event.position > this.floor);
    this.state = 'covering';
  }

  /** Another writer appeared: from now on only the store is complete. */
  stopCovering(): void {
    this.state = 'disabled';
    this.events = [];
  }

  append(events: readonly StoredEvent[]): void {
    if (this.state === 'disabled') return;
    for (const event of events) {
      if (event.position > this.floor) this.events.push(event);
    }
    if (this.events.length > this.capacity * 2) {
      const evicted = this.events.length - this.capacity;
      this.floor = this.events[evicted - 1].position;
      this.events = this.events.slice(evicted);
    }
  }

  /** Events after `position`, or null when the tail does not cover it. */
  readAfter(position: number, limit: number): StoredEvent[] | null {
    if (this.state !== 'covering' || position < this.floor) return null;
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.events[middle].position <= position) low = middle + 1;
      else high = middle;
    }
    return this.events.slice(low, low + limit);
  }
}
