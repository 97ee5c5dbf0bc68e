import type { Publishable } from '../bus/event-preparer.js';
import type { CommandResult } from '../sourcing/command-handler.js';
import type { Decider } from '../sourcing/decider.js';
import {
  assertEvents,
  expectError,
  storedShapesOf,
} from './event-expectations.js';
import { RecordingEventBus } from './recording-event-bus.js';

/**
 * Given/when/then for deciders. The given events are stored in an in-memory log, then the real
 * CommandHandler runs the command: it folds the stream, decides, and appends what was decided
 * (validated like any publish) at the version it read. No database.
 *
 *   const user = DeciderSpecification.for(userDecider);
 *   await user
 *     .given([new UserRegistered({ userId, email: 'ada@example.com', name: 'Ada' })])
 *     .when({ type: 'ChangeUser', name: 'Ada King', emailTaken: false })
 *     .then([new UserUpdated({ userId, changes: { name: 'Ada King' } })]);
 */
export const DeciderSpecification = {
  for<State, Command>(
    decider: Decider<State, Command>,
    { streamId = 'specification-1' }: { streamId?: string } = {},
  ) {
    return {
      given: (events: Publishable | Publishable[]) => ({
        when: (command: Command) =>
          new DeciderExpectations(decider, streamId, events, command),
      }),
    };
  },
};

export class DeciderExpectations<State, Command> {
  constructor(
    private readonly decider: Decider<State, Command>,
    private readonly streamId: string,
    private readonly given: Publishable | Publishable[],
    private readonly command: Command,
  ) {}

  /** The command appends exactly these events (type and payload, in order). */
  async then(
    expected: Publishable | Publishable[],
  ): Promise<CommandResult<State>> {
    const result = await this.handle();
    assertEvents(storedShapesOf(result.events), expected, 'decided events');
    return result;
  }

  /** The command is accepted and changes nothing. */
  thenNothingHappened(): Promise<CommandResult<State>> {
    return this.then([]);
  }

  /** The command is refused with this error class (and `check`, when given, holds). */
  thenThrows<E extends Error>(
    errorClass: abstract new (...args: never[]) => E,
    check?: (error: E) => boolean,
  ): Promise<E> {
    return expectError(() => this.handle(), errorClass, check);
  }

  private async handle(): Promise<CommandResult<State>> {
    const bus = new RecordingEventBus();
    const given = Array.isArray(this.given) ? this.given : [this.given];
    if (given.length > 0) await bus.publish(given, { streamId: this.streamId });
    return bus.commands.run(this.decider, this.streamId, this.command);
  }
}
