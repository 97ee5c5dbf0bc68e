import { Injectable } from '@nestjs/common';
import type { Transaction } from '../bus/transaction.js';
import { UnitOfWork } from '../bus/unit-of-work.js';
import type { StoredEvent } from '../store/stored-event.js';
import { aggregateStream, fold } from './aggregate-stream.js';
import type { Decider } from './decider.js';
import { EventStreams } from './event-streams.js';

export interface CommandResult<State> {
  /** The state after the new events. */
  state: State;
  /** The stream's version after the new events. */
  version: number;
  /** The events appended, as stored; none when the decision was to do nothing. */
  events: StoredEvent[];
}

/**
 * Runs a command against an event-sourced aggregate: reads its stream inside a unit of work,
 * folds it with the decider's `evolve`, lets `decide` choose the events and appends them at
 * the version read. Had another writer appended to the stream in between, the append fails
 * with ConcurrencyError (HTTP 409) and nothing of the unit is stored.
 *
 *   const { state } = await commands.run(userDecider, `user-${id}`, { type: 'DeleteUser' });
 */
@Injectable()
export class CommandHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly streams: EventStreams,
  ) {}

  /** Handles the command in a unit of work of its own. */
  run<State, Command>(
    decider: Decider<State, Command>,
    streamId: string,
    command: Command,
  ): Promise<CommandResult<State>> {
    return this.uow.run((tx) => this.handle(tx, decider, streamId, command));
  }

  /**
   * Handles the command inside the caller's unit of work, so that the caller's own writes (a
   * snapshot row, say) commit with the events, or not at all.
   */
  async handle<State, Command>(
    tx: Transaction,
    decider: Decider<State, Command>,
    streamId: string,
    command: Command,
  ): Promise<CommandResult<State>> {
    const current = await aggregateStream(this.streams, streamId, {
      initialState: () => decider.initialState(),
      evolve: (state, event) => decider.evolve(state, event),
      transaction: tx,
    });
    const decided = decider.decide(command, current.state);
    const events = Array.isArray(decided) ? decided : [decided];
    if (events.length === 0) return { ...current, events: [] };
    const stored = await tx.append(events, {
      streamId,
      expectedVersion: current.version,
    });
    return {
      ...fold(
        stored,
        current.state,
        (state, event) => decider.evolve(state, event),
        current.version,
      ),
      events: stored,
    };
  }
}
