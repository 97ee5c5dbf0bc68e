import { approximateBytes } from '../store/event-payload.js';
import type { StoredEvent } from '../store/stored-event.js';

/**
 * The most recent committed events, in position order, so caught-up subscriptions read from
 * memory instead of the database. It holds every event after `floor` that was committed through
 * this process's writer: all of them while this process is the only writer (SQLite). Bounded by
 * a count and by bytes (payloads can be large: 40 events of 1 MiB would otherwise stay here).
 */
export class EventTail {
  private events: StoredEvent[] = [];
  private bytes = 0;
  private floor = Number.NEGATIVE_INFINITY;
  /**
   * Until reset() the tail only buffers; 'uncertain' waits for the next commit to know where
   * it can start covering again; after stopCovering() it is out of use for good.
   */
  private state: 'buffering' | 'covering' | 'uncertain' | 'disabled' =
    'buffering';

  constructor(
    private readonly capacity: number,
    private readonly maxBytes: number,
  ) {}

  /** Starts covering everything after `head`, read from the store after subscribing to commits. */
  reset(head: number): void {
    if (this.state === 'disabled') return;
    this.floor = Math.max(head, this.floor);
    this.events = this.events.filter((event) => event.position > this.floor);
    this.bytes = this.events.reduce((sum, e) => sum + approximateBytes(e), 0);
    this.state = 'covering';
  }

  /** Another writer appeared: from now on only the store is complete. */
  stopCovering(): void {
    this.state = 'disabled';
    this.events = [];
    this.bytes = 0;
  }

  /**
   * A COMMIT failed and its events may be on disk all the same: readers go to the store for
   * everything up to the next commit, which becomes the new floor.
   */
  invalidate(): void {
    if (this.state === 'disabled') return;
    this.state = 'uncertain';
    this.events = [];
    this.bytes = 0;
  }

  append(events: readonly StoredEvent[]): void {
    if (this.state === 'disabled' || events.length === 0) return;
    if (this.state === 'uncertain') {
      this.floor = events[0].position - 1;
      this.state = 'covering';
    }
    for (const event of events) {
      if (event.position > this.floor) {
        this.events.push(event);
        this.bytes += approximateBytes(event);
      }
    }
    if (this.events.length > this.capacity * 2 || this.bytes > this.maxBytes)
      this.evict();
  }

  /**
   * Every reader has passed `position`: its events and those before it are dropped. Held any
   * longer, they would only outlive the young generation and be promoted as garbage.
   */
  releaseThrough(position: number): void {
    if (this.state !== 'covering' || this.events.length === 0) return;
    // Never past the newest event held: the floor must stay a position readers can stand at.
    const through = Math.min(
      position,
      this.events[this.events.length - 1].position,
    );
    if (through <= this.floor) return;
    let released = 0;
    let bytes = this.bytes;
    while (
      released < this.events.length &&
      this.events[released].position <= through
    ) {
      bytes -= approximateBytes(this.events[released]);
      released++;
    }
    this.floor = through;
    if (released === 0) return;
    this.events = this.events.slice(released);
    this.bytes = bytes;
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

  /** Drops the oldest events down to the count and to half the bytes, so eviction is rare. */
  private evict(): void {
    let evicted = Math.max(0, this.events.length - this.capacity);
    let bytes = this.bytes;
    for (let i = 0; i < evicted; i++) bytes -= approximateBytes(this.events[i]);
    while (evicted < this.events.length && bytes > this.maxBytes / 2) {
      bytes -= approximateBytes(this.events[evicted]);
      evicted++;
    }
    if (evicted === 0) return;
    this.floor = this.events[evicted - 1].position;
    this.events = this.events.slice(evicted);
    this.bytes = bytes;
  }
}
