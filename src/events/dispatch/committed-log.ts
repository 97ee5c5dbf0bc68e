import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { CommitFeed } from '../bus/commit-feed.js';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { EventStore } from '../store/event-store.js';
import type { StoredEvent } from '../store/stored-event.js';
import { EventTail } from './event-tail.js';

// Caught-up subscriptions trail the head by at most a few commit groups (1,500 events at 28k
// events/s in the throughput benchmark); a longer tail only turns more events into old-generation
// garbage (peak RSS 472 MB at 20,000, 325 MB at 5,000).
const TAIL_CAPACITY = 5_000;
// The fallback when no commit notification arrives (another process wrote to the database).
const HEAD_POLL_MS = 1_000;

/**
 * The committed log as subscriptions read it: recent events from the in-memory tail while it
 * covers them, the store otherwise, and the newest position known. New commits (from this
 * process's writer, or seen by polling the store) wake whoever listens.
 */
@Injectable()
export class CommittedLog implements OnApplicationShutdown {
  private readonly logger = new Logger(CommittedLog.name);
  private readonly tail: EventTail;
  /** Newest position committed by this process's writer. */
  private committedHead = 0;
  private knownHead = 0;
  /** A COMMIT failed: the store may hold events this process never saw committed. */
  private headUncertain = false;
  private readonly listeners = new Set<() => void>();
  private unsubscribe: (() => void)[] = [];
  private poll: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly feed: CommitFeed,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    this.tail = new EventTail(TAIL_CAPACITY, options.bus.tailBytes);
  }

  /** Starts following commits; returns the head it started from. */
  async follow(): Promise<number> {
    // Subscribe before reading the head: every commit is then either below it or in the tail.
    this.unsubscribe = [
      this.feed.subscribe((events) => this.onCommitted(events)),
      this.feed.onUncertain(() => {
        this.tail.invalidate();
        this.headUncertain = true;
      }),
    ];
    const head = await this.store.head();
    this.tail.reset(head);
    this.knownHead = Math.max(this.knownHead, head);
    this.committedHead = Math.max(this.committedHead, head);
    this.poll = setInterval(() => void this.pollHead(), HEAD_POLL_MS);
    this.poll.unref();
    return head;
  }

  onApplicationShutdown(): void {
    clearInterval(this.poll);
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }

  get head(): number {
    return this.knownHead;
  }

  /** Called whenever the head moves. */
  onNewEvents(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Committed events after a position: from the tail when it covers it, else the store. */
  async readAfter(after: number, limit: number): Promise<StoredEvent[]> {
    return (
      this.tail.readAfter(after, limit) ?? this.store.readAfter(after, limit)
    );
  }

  private onCommitted(events: readonly StoredEvent[]): void {
    this.tail.append(events);
    this.headUncertain = false;
    const newest = events[events.length - 1].position;
    this.committedHead = Math.max(this.committedHead, newest);
    this.knownHead = Math.max(this.knownHead, newest);
    this.wake();
  }

  private async pollHead(): Promise<void> {
    try {
      const head = await this.store.head();
      if (head <= this.knownHead) return;
      if (head > this.committedHead && !this.headUncertain) {
        // Someone else writes to this log: only the store has the whole picture now.
        this.tail.stopCovering();
      }
      this.knownHead = head;
      this.wake();
    } catch (error) {
      this.logger.warn(
        `could not read the log head: ${(error as Error).message}`,
      );
    }
  }

  private wake(): void {
    for (const listener of this.listeners) listener();
  }
}
