import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IsInt, Min } from 'class-validator';
import { DataSource, type QueryRunner } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { DomainEvent } from '../bus/domain-event.decorator.js';
import { eventContext } from '../bus/event-context.js';
import { ConcurrencyError } from '../errors/concurrency.error.js';
import { EventValidationError } from '../errors/event-validation.error.js';
import { TransactionClosedError } from '../errors/transaction-closed.error.js';
import { TransactionControlError } from '../errors/transaction-control.error.js';
import { CommandHandler } from '../sourcing/command-handler.js';
import { provideRecordingEvents } from './index.js';
import { RecordingEventBus } from './recording-event-bus.js';

@DomainEvent('testing.parcel_weighed')
class ParcelWeighed {
  @IsInt()
  @Min(1)
  grams: number;

  constructor(grams: number) {
    this.grams = grams;
  }
}

/** A service as a feature module writes one: it asks the platform for a CommandHandler. */
@Injectable()
class ParcelService {
  constructor(private readonly commands: CommandHandler) {}

  weigh(id: string, grams: number) {
    return this.commands.run(
      {
        initialState: () => 0,
        evolve: (_, event) => (event.data as ParcelWeighed).grams,
        decide: () => new ParcelWeighed(grams),
      },
      `parcel-${id}`,
      null,
    );
  }
}

describe('RecordingEventBus: the real bus over an in-memory log', () => {
  it('stands in for the platform in a Nest testing module', async () => {
    const module = await Test.createTestingModule({
      providers: [ParcelService, ...provideRecordingEvents()],
    }).compile();

    const { version } = await module.get(ParcelService).weigh('p-1', 500);

    const bus = module.get(RecordingEventBus);
    expect(version).toBe(1);
    expect(bus.published(ParcelWeighed)[0].data).toEqual({ grams: 500 });
  });

  it('refuses a payload that breaks its class’s schema, storing nothing', async () => {
    const bus = new RecordingEventBus();

    await expect(bus.publish(new ParcelWeighed(0))).rejects.toMatchObject({
      constructor: EventValidationError,
      field: 'data.grams',
    });
    expect(bus.publishedCount()).toBe(0);
  });

  it('stores an event published again with the same source and id once', async () => {
    const bus = new RecordingEventBus({ source: '/parcels' });
    const event = { id: 'p-1', type: 'parcel.shipped', data: { to: 'Lisbon' } };

    const first = await bus.append(event);
    const again = await bus.append(event);

    expect([first.created, again.created]).toEqual([[true], [false]]);
    expect(again.events[0].position).toBe(first.events[0].position);
    expect(bus.published('parcel.shipped')).toHaveLength(1);
  });

  it('numbers a stream’s events and refuses a stale expected version', async () => {
    const bus = new RecordingEventBus();
    await bus.appendToStream('parcel-1', new ParcelWeighed(500), {
      expectedVersion: 0,
    });

    const stale = bus.appendToStream('parcel-1', new ParcelWeighed(600), {
      expectedVersion: 0,
    });

    await expect(stale).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(stale).rejects.toMatchObject({ currentVersion: 1 });
    expect(bus.published(ParcelWeighed).map((e) => e.streamVersion)).toEqual([
      1,
    ]);
  });

  it('gives events the publisher’s correlation id', async () => {
    const bus = new RecordingEventBus();

    const event = await eventContext.run({ correlationId: 'order-7' }, () =>
      bus.publish({ type: 'parcel.shipped' }),
    );

    expect(event.correlationId).toBe('order-7');
  });

  it('takes back what a failing unit of work appended, and only that', async () => {
    const bus = new RecordingEventBus();
    await bus.publish({ type: 'parcel.registered', streamId: 'parcel-1' });

    const failing = bus.unitOfWork.run(async (tx) => {
      await tx.append(new ParcelWeighed(500), { streamId: 'parcel-1' });
      const seen = await bus.streams.read('parcel-1', { transaction: tx });
      expect(seen.map((event) => event.type)).toEqual([
        'parcel.registered',
        'testing.parcel_weighed',
      ]);
      throw new Error('scale broken');
    });

    await expect(failing).rejects.toThrow('scale broken');
    expect(bus.events.map((event) => event.type)).toEqual([
      'parcel.registered',
    ]);
    expect(await bus.streams.version('parcel-1')).toBe(1);
  });

  it('guards a unit’s query runner as the application’s writer does: no transaction of its own, nothing after the unit', async () => {
    const database = await new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
    }).initialize();
    try {
      const bus = new RecordingEventBus({ database });
      expect(
        await bus.unitOfWork.run((tx) => tx.manager.query('SELECT 1 AS one')),
      ).toEqual([{ one: 1 }]);
      await expect(
        bus.unitOfWork.run((tx) => tx.queryRunner.startTransaction()),
      ).rejects.toBeInstanceOf(TransactionControlError);
      await expect(
        bus.unitOfWork.run((tx) =>
          tx.manager.transaction((inner) => inner.query('SELECT 1')),
        ),
      ).rejects.toBeInstanceOf(TransactionControlError);

      let leaked: QueryRunner | undefined;
      await bus.unitOfWork.run((tx) => {
        leaked = tx.queryRunner;
        return Promise.resolve();
      });
      expect(() => leaked?.query('SELECT 1')).toThrow(TransactionClosedError);
    } finally {
      await database.destroy();
    }
  });

  it('says so when a unit touches a database it was not given', async () => {
    const bus = new RecordingEventBus();

    await expect(
      bus.unitOfWork.run((tx) => tx.manager.query('SELECT 1')),
    ).rejects.toThrow(/no database/);
  });
});
