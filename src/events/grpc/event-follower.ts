import { once } from 'node:events';
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { Observable, type Subscriber } from 'rxjs';
import { CommitFeed } from '../bus/commit-feed.js';
import { WakeSignal } from '../dispatch/wake-signal.js';
import { ShuttingDownError } from '../errors/bus-unavailable.error.js';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import type { EventPattern } from '../patterns/event-pattern.js';
import {
  compareCursors,
  cursorOf,
  type LogCursor,
} from '../store/event-cursor.js';
import { EventStore } from '../store/event-store.js';
import type { StoredEvent } from '../store/stored-event.js';
import { TooManyStreamsError } from './grpc-errors.js';

/** Streams served at once; each holds at most one page in memory. */
export const MAX_FOLLOWERS = 256;
/** Events read per page while catching up. */
const PAGE_SIZE = 100;
/**
 * How long a caught-up stream sleeps without a local commit: commits of other instances (on
 * PostgreSQL) reach it within this time.
 */
const IDLE_POLL_MS = 1000;

/** What a stream writes to: its writable side tells when the client has fallen behind. */
export type FollowerSink = NodeJS.EventEmitter & {
  readonly writableNeedDrain: boolean;
};

/**
 * Follows the log for a Subscribe stream: the stored events after a position, then each new
 * one as it commits. Every read goes to the store, from the cursor of the last event
 * emitted, so nothing is skipped or emitted twice however commits and reads interleave; a
 * commit only wakes the reader early. A client that reads slowly holds the reader back
 * (no page is read while the sink waits to drain) rather than growing memory.
 */
@Injectable()
export class EventFollower implements BeforeApplicationShutdown {
  private readonly followers = new Set<Subscriber<StoredEvent>>();
  private closing = false;
  private readonly maxPageBytes: number;

  constructor(
    private readonly store: EventStore,
    private readonly feed: CommitFeed,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    this.maxPageBytes = options.query.maxPageBytes;
  }

  /** `pattern` undefined: every event. `after`: LOG_START for the start of the log. */
  follow(
    pattern: EventPattern | undefined,
    after: LogCursor,
    sink: FollowerSink,
  ): Observable<StoredEvent> {
    return new Observable<StoredEvent>((subscriber) => {
      if (this.closing) {
        subscriber.error(new ShuttingDownError());
        return;
      }
      if (this.followers.size >= MAX_FOLLOWERS) {
        subscriber.error(new TooManyStreamsError(MAX_FOLLOWERS));
        return;
      }
      this.followers.add(subscriber);
      const stop = new AbortController();
      const wake = new WakeSignal();
      const unsubscribe = this.feed.subscribe(() => wake.set());
      this.run(pattern, after, sink, subscriber, wake, stop.signal).catch(
        (error: unknown) => {
          if (!stop.signal.aborted) subscriber.error(error);
        },
      );
      return () => {
        stop.abort();
        wake.set();
        unsubscribe();
        this.followers.delete(subscriber);
      };
    });
  }

  /** Shutdown ends every stream with UNAVAILABLE, so clients resume on another instance. */
  beforeApplicationShutdown(): void {
    this.closing = true;
    for (const subscriber of [...this.followers])
      subscriber.error(new ShuttingDownError());
  }

  private async run(
    pattern: EventPattern | undefined,
    after: LogCursor,
    sink: FollowerSink,
    subscriber: Subscriber<StoredEvent>,
    wake: WakeSignal,
    signal: AbortSignal,
  ): Promise<void> {
    let cursor = after;
    while (!signal.aborted) {
      const page = await this.store.query({
        type: pattern,
        after: cursor,
        limit: PAGE_SIZE,
        order: 'asc',
        maxBytes: this.maxPageBytes,
      });
      if (signal.aborted) return;
      for (const event of page.events) subscriber.next(event);
      // A pattern page may end on rows it read but did not match: continue past them too.
      const last = page.events.at(-1);
      const reached = page.next ?? (last ? cursorOf(last) : cursor);
      if (compareCursors(reached, cursor) > 0) cursor = reached;
      if (sink.writableNeedDrain) await drained(sink, signal);
      else if (page.next === null) await wake.wait(IDLE_POLL_MS);
    }
  }
}

async function drained(sink: FollowerSink, signal: AbortSignal): Promise<void> {
  try {
    await once(sink, 'drain', { signal });
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
