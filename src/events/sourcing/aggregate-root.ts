import { eventTypeOf } from '../bus/domain-event.decorator.js';
import type { Transaction } from '../bus/transaction.js';
import type { StoredEvent } from '../store/stored-event.js';

/** What an aggregate applies: a stored event when rebuilding, a new one when deciding. */
export interface AppliedEvent {
  type: string;
  data: unknown;
  /** When the event happened (ISO-8601); new events use the current time. */
  time: string;
}

/**
 * Base of an event-sourced aggregate: its state is what its events say, applied in stream
 * order. Subclasses decide in methods that `raise` events and change state only in `when`,
 * so rebuilding from the stream (`fromEvents`) and deciding now go through the same code.
 *
 *   const user = UserAggregate.fromEvents(streamId, await store.readStream(streamId));
 *   user.rename('Ada');                  // raises UserUpdated, applies it
 *   await user.commit(tx);               // appends it, expecting the version it was loaded at
 */
export abstract class AggregateRoot {
  /** The version of the last event applied: the stream version this state reflects. */
  version = 0;
  /** The version when loaded or last committed: what a commit expects the stream to be at. */
  private committedVersion = 0;
  private readonly changes: object[] = [];

  constructor(readonly streamId: string) {}

  /** Rebuilds an aggregate from its stream's events, oldest first. */
  static fromEvents<A extends AggregateRoot>(
    this: new (streamId: string) => A,
    streamId: string,
    events: Iterable<StoredEvent>,
  ): A {
    const aggregate = new this(streamId);
    for (const event of events) aggregate.apply(event);
    aggregate.committedVersion = aggregate.version;
    return aggregate;
  }

  /** Applies one stored event: the state moves to the event's stream version. */
  apply(event: StoredEvent): void {
    this.when({ type: event.type, data: event.data, time: event.time });
    this.version = event.streamVersion ?? this.version + 1;
  }

  /** Events raised since loading, not yet committed. */
  get pendingChanges(): readonly object[] {
    return this.changes;
  }

  /**
   * Appends the raised events to the stream in the caller's transaction. A concurrent writer
   * that appended first makes this a ConcurrencyError (HTTP 409) and rolls the unit back.
   */
  async commit(tx: Transaction): Promise<StoredEvent[]> {
    if (this.changes.length === 0) return [];
    const stored = await tx.append([...this.changes], {
      streamId: this.streamId,
      expectedVersion: this.committedVersion,
    });
    this.changes.length = 0;
    this.committedVersion = this.version;
    return stored;
  }

  /** Records a new @DomainEvent instance and applies it at once. */
  protected raise(event: object): void {
    const type = eventTypeOf(event.constructor);
    if (type === undefined) {
      throw new Error(
        `${event.constructor.name} is not a @DomainEvent class; aggregates raise typed events`,
      );
    }
    this.when({ type, data: event, time: new Date().toISOString() });
    this.version++;
    this.changes.push(event);
  }

  /** Changes the state for one event; the only place state changes. */
  protected abstract when(event: AppliedEvent): void;
}
