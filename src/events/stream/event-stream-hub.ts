import type { ServerResponse } from 'node:http';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { UnavailableError } from '../../common/errors/domain-error.js';
import { CommittedLog } from '../dispatch/committed-log.js';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { decodeCursor, type LogCursor } from '../store/event-cursor.js';
import { EventStore } from '../store/event-store.js';
import {
  EventStreamClient,
  type StreamEnd,
  type StreamFilter,
} from './event-stream-client.js';

const PAGE_SIZE = 200;

/**
 * The open streams of GET /events/stream: at most `maxClients` at once, each woken whenever the
 * committed log moves (a commit of this process, or a new head found in the store, written by
 * another instance), and each ended when the application shuts down.
 */
@Injectable()
export class EventStreamHub implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('EventStream');
  private readonly clients = new Set<EventStreamClient>();
  private stopWaking: (() => void) | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly log: CommittedLog,
    @Inject(EVENTS_OPTIONS) private readonly options: EventsOptions,
  ) {}

  onModuleInit(): void {
    this.stopWaking = this.log.onNewEvents(() => {
      for (const client of this.clients) client.wake();
    });
  }

  beforeApplicationShutdown(): void {
    this.stopWaking?.();
    for (const client of [...this.clients]) client.end('shutdown');
  }

  get size(): number {
    return this.clients.size;
  }

  /** Where to start when the client gives no cursor: after what is committed now. */
  head(): Promise<LogCursor> {
    return this.store.settledHead();
  }

  /** A client's cursor (Last-Event-ID or `after`); a 400 naming `field` when it is not one. */
  cursor(text: string, field: string): Promise<LogCursor> {
    return this.store.clientCursor(decodeCursor(text, field), field);
  }

  /** Refuses with 503 when the cap is reached: a stream holds a connection until it ends. */
  admit(): void {
    if (this.clients.size >= this.options.stream.maxClients) {
      throw new UnavailableError(
        `${this.options.stream.maxClients} event streams are open, the most this instance serves`,
        5,
      );
    }
  }

  /** Starts sending what follows `after`, then every new matching event, on `response`. */
  open(response: ServerResponse, filter: StreamFilter, after: LogCursor): void {
    const client = new EventStreamClient(
      response,
      this.store,
      filter,
      after,
      {
        bufferBytes: this.options.stream.bufferBytes,
        heartbeatMs: this.options.stream.heartbeatMs,
        pageSize: PAGE_SIZE,
      },
      (ended, why) => this.closed(ended, why),
    );
    this.clients.add(client);
    client.wake();
  }

  private closed(client: EventStreamClient, why: StreamEnd): void {
    this.clients.delete(client);
    if (why === 'slow client')
      this.logger.warn(
        'disconnected an event stream client that did not keep up; it resumes with Last-Event-ID',
      );
  }
}
