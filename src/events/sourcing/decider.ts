import type { Publishable } from '../bus/event-preparer.js';
import type { StoredEvent } from '../store/stored-event.js';

/**
 * An event-sourced aggregate as three pure functions: the state before any event, how one
 * event changes it, and which events a command causes in a given state. Rebuilding (folding a
 * stream with `evolve`) and deciding never touch a database, so both are tested as plain
 * functions (DeciderSpecification in src/events/testing); CommandHandler does the I/O.
 *
 *   const counter: Decider<number, { type: 'add'; by: number }> = {
 *     initialState: () => 0,
 *     evolve: (total, event) => total + (event.data as { by: number }).by,
 *     decide: ({ by }) => ({ type: 'counter.added', data: { by } }),
 *   };
 */
export interface Decider<State, Command> {
  initialState(): State;
  /** The state after `event`; called for every event of the stream, oldest first. */
  evolve(state: State, event: StoredEvent): State;
  /**
   * The events `command` causes in `state` (@DomainEvent instances or NewEvent envelopes; none
   * when there is nothing to do). Throw a DomainError to refuse the command.
   */
  decide(command: Command, state: State): Publishable | Publishable[];
}
