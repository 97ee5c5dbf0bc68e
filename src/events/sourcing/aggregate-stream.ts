import type { Transaction } from '../bus/transaction.js';
import type { StoredEvent } from '../store/stored-event.js';
import type { ReadStreamOptions } from './event-streams.js';

/** Anything that reads a stream in version order: EventStreams, or its in-memory stand-in. */
export interface StreamReader {
  read(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
}

export interface AggregateOptions<State> {
  initialState(): State;
  evolve(state: State, event: StoredEvent): State;
  /** Fold only up to this version (inclusive): the state as it was then. */
  toVersion?: number;
  /** Read inside this unit of work: sees its own appends and what it locked. */
  transaction?: Transaction;
}

export interface AggregatedStream<State> {
  state: State;
  /** The version of the last event folded; 0 when the stream has none. */
  version: number;
}

/** Folds a stream's events, oldest first, into its aggregate's state. */
export async function aggregateStream<State>(
  streams: StreamReader,
  streamId: string,
  { initialState, evolve, toVersion, transaction }: AggregateOptions<State>,
): Promise<AggregatedStream<State>> {
  const events = await streams.read(streamId, { toVersion, transaction });
  return fold(events, initialState(), evolve, 0);
}

/** Applies `events` to `state` in order; the version becomes the last event's. */
export function fold<State>(
  events: readonly StoredEvent[],
  state: State,
  evolve: (state: State, event: StoredEvent) => State,
  version: number,
): AggregatedStream<State> {
  for (const event of events) {
    state = evolve(state, event);
    version = event.streamVersion ?? version + 1;
  }
  return { state, version };
}
