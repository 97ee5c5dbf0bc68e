import type { AppendRequest, AppendResult } from '../../store/event-store.js';
import type { StoredEvent } from '../../store/stored-event.js';
import type { EventContext } from '../event-context.js';
import type { Transaction } from '../transaction.js';

export interface UnitResult<T> {
  value: T;
  /** Events the unit appended, committed. */
  events: StoredEvent[];
}

interface Waiting {
  /** Events it counts for against event.bus.buffer_size. */
  weight: number;
  reject(error: Error): void;
}

/** Domain writes and events in one savepoint of a group commit. */
export interface QueuedUnit extends Waiting {
  kind: 'unit';
  timeoutMs: number | null;
  /**
   * The submitter's event context, captured when the unit was queued: the unit runs in it, so
   * what it appends carries its own caller's correlation, causation and actor, never those of
   * whoever happened to start the group.
   */
  context: EventContext | undefined;
  work(tx: Transaction): Promise<unknown>;
  resolve(result: UnitResult<unknown>): void;
}

/** A plain publish, prepared (context included) before it was queued. */
export interface QueuedAppend extends Waiting {
  kind: 'append';
  request: AppendRequest;
  resolve(result: AppendResult): void;
}

export type Queued = QueuedUnit | QueuedAppend;
