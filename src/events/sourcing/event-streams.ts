import { Inject, Injectable } from '@nestjs/common';
import type { Transaction } from '../bus/transaction.js';
import { EventStore } from '../store/event-store.js';
import type { StoredEvent } from '../store/stored-event.js';

export interface ReadStreamOptions {
  /** First version to read (default 1). */
  fromVersion?: number;
  /** Last version to read, inclusive (default: the newest). */
  toVersion?: number;
  /** Read inside this unit of work: sees what it has appended, and what it locked. */
  transaction?: Transaction;
}

/** The part of the log EventStreams reads; src/events/testing has an in-memory one. */
export type StreamStore = Pick<EventStore, 'readStream' | 'streamVersion'>;

/** Reads aggregates' streams: what event-sourced modules need of the log. */
@Injectable()
export class EventStreams {
  constructor(@Inject(EventStore) private readonly store: StreamStore) {}

  /** The stream's events in version order (every one of them unless bounded). */
  async read(
    streamId: string,
    { fromVersion = 1, toVersion, transaction }: ReadStreamOptions = {},
  ): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    const pageSize = 1_000;
    for (let from = fromVersion; ;) {
      const page = await this.store.readStream(streamId, {
        fromVersion: from,
        toVersion,
        limit: pageSize,
        runner: transaction?.queryRunner,
      });
      events.push(...page);
      if (page.length < pageSize) return events;
      from = (page[page.length - 1].streamVersion ?? from) + 1;
    }
  }

  /** The version of the stream's newest event; 0 when the stream has none. */
  version(streamId: string): Promise<number> {
    return this.store.streamVersion(streamId);
  }
}
