import { eventTypeOf, type EventClass } from '../bus/domain-event.decorator.js';
import { eventContext } from '../bus/event-context.js';
import { prepareAppend, type Publishable } from '../bus/event-preparer.js';
import type { PublishOptions } from '../bus/event-bus.js';
import {
  collectResult,
  identity,
  planRequest,
  toStoredEvent,
  type PlannedRow,
} from '../store/append-plan.js';
import type { AppendResult } from '../store/event-store.js';
import type { StoredEvent } from '../store/stored-event.js';

/** A point to roll the recorded log back to, used by RecordingUnitOfWork. */
export interface RecordingSavepoint {
  length: number;
  versions: Map<string, number>;
}

/**
 * An in-memory stand-in for EventBus in unit tests: no database, same rules. Events are
 * validated like the real bus (envelope, payload schema of @DomainEvent classes, expected
 * versions, idempotent ids) and recorded, so a test can assert what a service published.
 *
 *   const events = new RecordingEventBus();
 *   ... { provide: EventBus, useValue: events }
 *   expect(events.publishedCount('user.registered')).toBe(1);
 */
export class RecordingEventBus {
  private readonly recorded: StoredEvent[] = [];
  private versions = new Map<string, number>();

  constructor(private readonly source = '/test') {}

  /** Every event recorded so far, in publish order. */
  get events(): readonly StoredEvent[] {
    return this.recorded;
  }

  // The array overload comes first: an array is an object, so it would match Publishable too.
  publish(
    events: Publishable[],
    options?: PublishOptions,
  ): Promise<StoredEvent[]>;
  publish<T = unknown>(
    event: Publishable,
    options?: PublishOptions,
  ): Promise<StoredEvent<T>>;
  async publish(
    input: Publishable | Publishable[],
    options: PublishOptions = {},
  ): Promise<StoredEvent | StoredEvent[]> {
    const { events } = await this.append(input, options);
    return Array.isArray(input) ? events : events[0];
  }

  append(
    input: Publishable | Publishable[],
    options: PublishOptions = {},
  ): Promise<AppendResult> {
    try {
      return Promise.resolve(this.record(input, options));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** Events of a type (or @DomainEvent class), in publish order. */
  published<T = unknown>(type: string | EventClass): StoredEvent<T>[] {
    const name = typeof type === 'string' ? type : eventTypeOf(type);
    return this.recorded.filter(
      (event) => event.type === name,
    ) as StoredEvent<T>[];
  }

  publishedCount(type?: string | EventClass): number {
    return type === undefined
      ? this.recorded.length
      : this.published(type).length;
  }

  clear(): void {
    this.recorded.length = 0;
    this.versions = new Map();
  }

  /** @internal RecordingUnitOfWork's bookkeeping. */
  savepoint(): RecordingSavepoint {
    return { length: this.recorded.length, versions: new Map(this.versions) };
  }

  /** @internal */
  rollback(savepoint: RecordingSavepoint): void {
    this.recorded.length = savepoint.length;
    this.versions = savepoint.versions;
  }

  /** @internal Validates and records one append, atomically. */
  record(
    input: Publishable | Publishable[],
    options: PublishOptions = {},
  ): AppendResult {
    const request = prepareAppend(
      input,
      options,
      this.source,
      eventContext.current(),
    );
    const existing = new Map(
      this.recorded.map((event) => [identity(event), event]),
    );
    const planned = new Map<string, PlannedRow>();
    const versions = new Map(this.versions);
    const plan = planRequest(
      request.events,
      request.expectedVersion,
      existing,
      planned,
      versions,
    );
    const recordedAt = new Date().toISOString();
    for (const row of planned.values()) {
      row.stored = toStoredEvent(row, this.recorded.length + 1, recordedAt);
      this.recorded.push(row.stored);
    }
    this.versions = versions;
    return collectResult(plan);
  }
}
