import type { DataSource } from 'typeorm';
import { DeliveryBarrier } from '../bus/delivery-barrier.js';
import { eventTypeOf, type EventClass } from '../bus/domain-event.decorator.js';
import { EventBus } from '../bus/event-bus.js';
import { EventPreparer } from '../bus/event-preparer.js';
import { UnitOfWork } from '../bus/unit-of-work.js';
import { CommandHandler } from '../sourcing/command-handler.js';
import { EventStreams } from '../sourcing/event-streams.js';
import type { StoredEvent } from '../store/stored-event.js';
import { InMemoryEventLog } from './in-memory-event-log.js';
import { InMemoryEventWriter } from './in-memory-writer.js';

export interface RecordingEventBusOptions {
  /** CloudEvents `source` of what is published (default `/test`). */
  source?: string;
  /** Gives units of work a real `tx.manager` (an in-memory SQLite DataSource, say). */
  database?: DataSource;
}

/** Handlers are not run by the recording bus: publishers never wait for them. */
class NoDelivery extends DeliveryBarrier {
  afterCommit(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The real EventBus over an in-memory log, for unit tests: the same preparation (envelope,
 * payload schema of @DomainEvent classes, context) and the same append planning (stream
 * versions, expected versions, idempotent ids) as in the application, with no database.
 * UnitOfWork, EventStreams and CommandHandler over the same log come with it.
 *
 *   const events = new RecordingEventBus();
 *   ... providers: [MyService, ...provideRecordingEvents(events)]
 *   expect(events.publishedCount('user.registered')).toBe(1);
 */
export class RecordingEventBus extends EventBus {
  readonly log: InMemoryEventLog;
  readonly unitOfWork: UnitOfWork;
  readonly streams: EventStreams;
  readonly commands: CommandHandler;

  constructor({ source = '/test', database }: RecordingEventBusOptions = {}) {
    const log = new InMemoryEventLog();
    const preparer = new EventPreparer({ source });
    const writer = new InMemoryEventWriter(log, preparer, database);
    const delivery = new NoDelivery();
    super(preparer, writer, delivery);
    this.log = log;
    this.unitOfWork = new UnitOfWork(writer, delivery);
    this.streams = new EventStreams(log);
    this.commands = new CommandHandler(this.unitOfWork, this.streams);
  }

  /** Every event stored so far, in log order. */
  get events(): readonly StoredEvent[] {
    return this.log.events;
  }

  /** Events of a type (or @DomainEvent class), in log order. */
  published<T = unknown>(type: string | EventClass): StoredEvent<T>[] {
    const name = typeof type === 'string' ? type : eventTypeOf(type);
    return this.log.events.filter(
      (event) => event.type === name,
    ) as StoredEvent<T>[];
  }

  publishedCount(type?: string | EventClass): number {
    return type === undefined
      ? this.log.events.length
      : this.published(type).length;
  }

  clear(): void {
    this.log.clear();
  }
}
