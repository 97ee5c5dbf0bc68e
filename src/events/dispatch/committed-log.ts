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
import {
  compareCursors,
  cursorOf,
  LOG_START,
  type LogCursor,
} from '../store/event-cursor.js';
import { EventStore } from '../store/event-store.js';
import type { StoredEvent } from '../store/stored-event.js';
import { EventTail } from './event-tail.js';

// Caught-up subscriptions trail the head by at most a few commit groups (1,500 events with 16
// batches of 100 in flight in the throughput benchmark). The tail holds between this many and
// twice as many events; whatever it holds outlives the young generation and is promoted, and V8
// lets the old generation grow to a multiple of what survives a full collection, so every event
// held costs several times its size in peak RSS (5,000: 325-345 MB peak over 200k events).
const TAIL_CAPACITY = 2_048;
// The safety net when no wake-up arrives (another process wrote and its notice was lost).
const HEAD_POLL_MS = 1_000;
// A commit of ours not yet settled (an older transaction elsewhere still runs): look again soon.
const SETTLE_RECHECK_MS = 25;

/**
 * The committed log as subscriptions read it, and the newest settled cursor known (see
 * event-cursor.ts). On SQLite (one writer) recent events come from the in-memory tail while it
 * covers them; on PostgreSQL other instances write too, so reads always go to the store, below
 * the oldest running transaction. New commits (this process's writer, a wake-up from another
 * instance, or polling) wake whoever listens.
 */
@Injectable()
export class CommittedLog implements OnApplicationShutdown {
  private readonly logger = new Logger(CommittedLog.name);
  private readonly tail: EventTail;
  private readonly storeOnly: boolean;
  /** Newest position committed by this process's writer. */
  private committedHead = 0;
  /** Newest cursor committed by this process's writer (PostgreSQL: maybe not settled yet). */
  private committedCursor: LogCursor = { ...LOG_START };
  private knownHead: LogCursor = { ...LOG_START };
  /** A COMMIT failed: the store may hold events this process never saw committed. */
  private headUncertain = false;
  private readonly listeners = new Set<() => void>();
  /** The lowest position a reader of the tail stands at; what lies at or before it is dropped. */
  private slowestReader: (() => number) | undefined;
  private unsubscribe: (() => void)[] = [];
  private poll: NodeJS.Timeout | undefined;
  private recheck: NodeJS.Timeout | undefined;
  private recheckMs = SETTLE_RECHECK_MS;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;

  constructor(
    private readonly store: EventStore,
    private readonly feed: CommitFeed,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    this.tail = new EventTail(TAIL_CAPACITY, options.bus.tailBytes);
    this.storeOnly = store.dialect.kind === 'postgres';
    if (this.storeOnly) this.tail.stopCovering();
  }

  /** Starts following commits; returns the head it started from. */
  async follow(): Promise<LogCursor> {
    // Subscribe before reading the head: every commit is then either below it or in the tail.
    this.unsubscribe = [
      this.feed.subscribe((events) => this.onCommitted(events)),
      this.feed.onUncertain(() => {
        this.tail.invalidate();
        this.headUncertain = true;
      }),
    ];
    const head = await this.store.settledHead();
    this.tail.reset(head.position);
    if (compareCursors(head, this.knownHead) > 0) this.knownHead = head;
    this.committedHead = Math.max(this.committedHead, head.position);
    this.poll = setInterval(() => void this.refresh(), HEAD_POLL_MS);
    this.poll.unref();
    return this.knownHead;
  }

  onApplicationShutdown(): void {
    clearInterval(this.poll);
    clearTimeout(this.recheck);
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }

  get head(): LogCursor {
    return this.knownHead;
  }

  /**
   * Tells the log where its slowest reader stands (the dispatcher's slowest subscription), so
   * the tail keeps only events some reader still needs; without it, only the tail's bounds
   * apply. A reader positioned below the tail reads from the store, as after an eviction.
   */
  trackReaders(slowest: () => number): void {
    this.slowestReader = slowest;
  }

  /** Called whenever the head moves. */
  onNewEvents(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Another instance says it committed events: look for a new settled head. */
  wakeUp(): void {
    void this.refresh();
  }

  /** Settled events after a cursor: from the tail when it covers it, else the store. */
  async readAfter(after: LogCursor, limit: number): Promise<StoredEvent[]> {
    const cached = this.storeOnly
      ? null
      : this.tail.readAfter(after.position, limit);
    return cached ?? this.store.readAfter(after, limit);
  }

  private onCommitted(events: readonly StoredEvent[]): void {
    const newest = events[events.length - 1];
    if (this.storeOnly) {
      // Settled only once every older transaction has ended: the store tells.
      const cursor = cursorOf(newest);
      if (compareCursors(cursor, this.committedCursor) > 0)
        this.committedCursor = cursor;
      this.recheckMs = SETTLE_RECHECK_MS;
      void this.refresh();
      return;
    }
    if (this.slowestReader) this.tail.releaseThrough(this.slowestReader());
    this.tail.append(events);
    this.headUncertain = false;
    this.committedHead = Math.max(this.committedHead, newest.position);
    if (newest.position > this.knownHead.position)
      this.knownHead = { txid: 0, position: newest.position };
    this.wake();
  }

  /** Reads the settled head (one read at a time; a request meanwhile runs one more). */
  private refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = this.refreshLoop().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refreshLoop(): Promise<void> {
    do {
      this.refreshAgain = false;
      try {
        this.advanceTo(await this.store.settledHead());
      } catch (error) {
        this.logger.warn(
          `could not read the log head: ${(error as Error).message}`,
        );
        return;
      }
    } while (this.refreshAgain);
    if (compareCursors(this.knownHead, this.committedCursor) < 0)
      this.recheckSoon();
  }

  private advanceTo(head: LogCursor): void {
    if (compareCursors(head, this.knownHead) <= 0) return;
    if (
      !this.storeOnly &&
      head.position > this.committedHead &&
      !this.headUncertain
    ) {
      // Someone else writes to this log: only the store has the whole picture now.
      this.tail.stopCovering();
    }
    this.knownHead = head;
    this.wake();
  }

  /** Backs off up to the poll interval while an old transaction holds the horizon back. */
  private recheckSoon(): void {
    if (this.recheck) return;
    const delay = this.recheckMs;
    this.recheckMs = Math.min(this.recheckMs * 2, HEAD_POLL_MS);
    this.recheck = setTimeout(() => {
      this.recheck = undefined;
      void this.refresh();
    }, delay);
    this.recheck.unref();
  }

  private wake(): void {
    for (const listener of this.listeners) listener();
  }
}
