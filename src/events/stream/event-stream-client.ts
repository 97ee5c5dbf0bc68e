import type { ServerResponse } from 'node:http';
import { toCloudEvent } from '../cloudevents/cloud-event.mapper.js';
import type { EventPattern } from '../patterns/event-pattern.js';
import type { EventStore } from '../store/event-store.js';
import {
  compareCursors,
  cursorOf,
  encodeCursor,
  type LogCursor,
} from '../store/event-cursor.js';

export interface StreamFilter {
  type?: EventPattern;
  streamId?: string;
}

export interface StreamLimits {
  /** Bytes written but not yet taken by the client, beyond which it is disconnected. */
  bufferBytes: number;
  /** Interval of comment lines on an idle stream; also how long a full buffer may wait to drain. */
  heartbeatMs: number;
  /** Rows one read of the store returns at most. */
  pageSize: number;
}

export type StreamEnd = 'client closed' | 'slow client' | 'shutdown' | 'error';

/**
 * One client of GET /events/stream. It never holds events in memory: every read comes from the
 * store, after the last position sent, so what it sends is gap-free and duplicate-free whatever
 * the timing of commits (a wake-up during a read only asks for one more read). What the socket
 * has not taken yet is bounded by `bufferBytes`; a client that lets it grow, or does not drain it
 * within a heartbeat interval, is disconnected and resumes later with Last-Event-ID.
 */
export class EventStreamClient {
  private reading = false;
  private wokenWhileReading = false;
  private ended = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly response: ServerResponse,
    private readonly store: EventStore,
    private readonly filter: StreamFilter,
    private after: LogCursor,
    private readonly limits: StreamLimits,
    private readonly onEnd: (client: EventStreamClient, why: StreamEnd) => void,
  ) {
    this.heartbeat = setInterval(
      () => this.write(': heartbeat\n\n'),
      limits.heartbeatMs,
    );
    this.heartbeat.unref();
    response.on('close', () => this.end('client closed'));
  }

  /** New events may have been committed: read what follows the last one sent. */
  wake(): void {
    if (this.ended) return;
    if (this.reading) {
      this.wokenWhileReading = true;
      return;
    }
    void this.readUntilCaughtUp();
  }

  /** Ends the response (shutdown or a slow client); the client may reconnect with Last-Event-ID. */
  end(why: StreamEnd): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    if (why === 'slow client' || why === 'error') this.response.destroy();
    else {
      this.response.end();
      // A client that stopped reading would hold the connection (and a shutdown) open.
      const closing = setTimeout(() => this.response.destroy(), 1_000);
      closing.unref();
      this.response.once('close', () => clearTimeout(closing));
    }
    this.onEnd(this, why);
  }

  private async readUntilCaughtUp(): Promise<void> {
    this.reading = true;
    try {
      do {
        this.wokenWhileReading = false;
        let more = true;
        while (more && !this.ended) {
          more = await this.sendNextPage();
          if (more) await this.drained();
        }
      } while (this.wokenWhileReading && !this.ended);
    } catch {
      // The store could not be read: the client reconnects and resumes where it was.
      this.end('error');
    } finally {
      this.reading = false;
    }
  }

  /** Sends one page; true when the store has more after it. */
  private async sendNextPage(): Promise<boolean> {
    const page = await this.store.query({
      type: this.filter.type,
      streamId: this.filter.streamId,
      after: this.after,
      limit: this.limits.pageSize,
      order: 'asc',
      maxBytes: Math.floor(this.limits.bufferBytes / 2),
    });
    if (this.ended) return false;
    for (const event of page.events) {
      this.write(
        `id: ${encodeCursor(cursorOf(event))}\ndata: ${JSON.stringify(toCloudEvent(event))}\n\n`,
      );
      this.after = cursorOf(event);
    }
    // A pattern page may end on rows it read but did not match: continue past them too.
    if (page.next !== null && compareCursors(page.next, this.after) > 0)
      this.after = page.next;
    return page.next !== null;
  }

  private write(frame: string): void {
    if (this.ended) return;
    this.response.write(frame);
    if (this.response.writableLength > this.limits.bufferBytes)
      this.end('slow client');
  }

  /** Waits until the socket took what was written, at most one heartbeat interval. */
  private async drained(): Promise<void> {
    if (this.ended || !this.response.writableNeedDrain) return;
    const drained = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => settle(false), this.limits.heartbeatMs);
      const settle = (value: boolean) => {
        clearTimeout(timer);
        this.response.off('drain', onDrain);
        this.response.off('close', onDrain);
        resolve(value);
      };
      const onDrain = () => settle(true);
      this.response.on('drain', onDrain);
      this.response.on('close', onDrain);
    });
    if (!drained) this.end('slow client');
  }
}
