import { describe, expect, it } from 'vitest';
import { prepareAppend } from '../bus/event-preparer.js';
import { ConcurrencyError } from '../errors/concurrency.error.js';
import { EventValidationError } from '../errors/event-validation.error.js';
import { RecordingEventBus } from '../testing/recording-event-bus.js';
import { aggregateStream } from './aggregate-stream.js';
import { CommandHandler } from './command-handler.js';
import type { Decider } from './decider.js';
import { EventStreams, type ReadStreamOptions } from './event-streams.js';

type Command = { type: 'deposit'; amount: number } | { type: 'noop' };

/** An account whose balance is the sum of its deposits. */
const account: Decider<number, Command> = {
  initialState: () => 0,
  evolve: (balance, event) =>
    balance + (event.data as { amount: number }).amount,
  decide: (command) =>
    command.type === 'deposit'
      ? { type: 'account.deposited', data: { amount: command.amount } }
      : [],
};

describe('CommandHandler', () => {
  it('folds the stream, appends the decision at the version read and returns the new state', async () => {
    const bus = new RecordingEventBus();
    await bus.commands.run(account, 'account-1', {
      type: 'deposit',
      amount: 5,
    });

    const result = await bus.commands.run(account, 'account-1', {
      type: 'deposit',
      amount: 7,
    });

    expect([result.state, result.version]).toEqual([12, 2]);
    expect(result.events.map((event) => event.streamVersion)).toEqual([2]);
    expect(await aggregateStream(bus.streams, 'account-1', account)).toEqual({
      state: 12,
      version: 2,
    });
  });

  it('appends nothing when the decision is to do nothing', async () => {
    const bus = new RecordingEventBus();
    await bus.commands.run(account, 'account-1', {
      type: 'deposit',
      amount: 5,
    });

    const result = await bus.commands.run(account, 'account-1', {
      type: 'noop',
    });

    expect(result).toEqual({ state: 5, version: 1, events: [] });
    expect(bus.publishedCount()).toBe(1);
  });

  it('refuses with ConcurrencyError when another writer appended after the read, and stores nothing', async () => {
    const bus = new RecordingEventBus();
    await bus.commands.run(account, 'account-1', {
      type: 'deposit',
      amount: 5,
    });
    // Another instance commits a deposit between this handler's read and its append.
    class RacedStreams extends EventStreams {
      override async read(streamId: string, options?: ReadStreamOptions) {
        const events = await super.read(streamId, options);
        bus.log.append([
          prepareAppend(
            { type: 'account.deposited', data: { amount: 1 } },
            { streamId },
            '/elsewhere',
            undefined,
          ),
        ]);
        return events;
      }
    }
    const commands = new CommandHandler(
      bus.unitOfWork,
      new RacedStreams(bus.log),
    );

    const refused = commands.run(account, 'account-1', {
      type: 'deposit',
      amount: 7,
    });

    await expect(refused).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(refused).rejects.toMatchObject({
      expectedVersion: 1,
      currentVersion: 2,
    });
    expect(
      (await bus.streams.read('account-1')).map((event) => event.source),
    ).toEqual(['/test', '/elsewhere']);
  });

  it('refuses a decision the bus would refuse', async () => {
    const bus = new RecordingEventBus();
    const careless: Decider<number, Command> = {
      ...account,
      decide: () => ({ type: 'Not A Type', data: {} }),
    };

    await expect(
      bus.commands.run(careless, 'account-1', { type: 'noop' }),
    ).rejects.toBeInstanceOf(EventValidationError);
    expect(bus.publishedCount()).toBe(0);
  });

  it('rebuilds the state as it was at an earlier version', async () => {
    const bus = new RecordingEventBus();
    for (const amount of [5, 7, 11])
      await bus.commands.run(account, 'account-1', { type: 'deposit', amount });

    expect(
      await aggregateStream(bus.streams, 'account-1', {
        ...account,
        toVersion: 2,
      }),
    ).toEqual({ state: 12, version: 2 });
    expect(await aggregateStream(bus.streams, 'account-2', account)).toEqual({
      state: 0,
      version: 0,
    });
  });
});
