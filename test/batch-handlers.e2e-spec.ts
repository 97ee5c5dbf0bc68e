import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EventBus,
  EventsModule,
  OnDomainEvents,
  UnitOfWork,
  type StoredEvent,
  type TransactionalHandlerContext,
} from '../src/events/index.js';
import { eventually, usePerTestApp, type TestApp } from './support/test-app.js';

/** What the batch subscriptions saw, and a way to make one event poison. */
class BatchProbe {
  readonly calls: string[][] = [];
  readonly transactionalCalls: string[][] = [];
  poison = new Set<string>();

  check(events: StoredEvent[]): void {
    const bad = events.find((event) => this.poison.has(event.id));
    if (bad) throw new Error(`poison ${bad.id}`);
  }
}

@Injectable()
class BatchHandlers {
  constructor(private readonly probe: BatchProbe) {}

  @OnDomainEvents('batch.*', {
    name: 'batch.plain',
    retryCount: 2,
    retryDelay: 5,
  })
  plain(events: StoredEvent[]): void {
    this.probe.calls.push(events.map((event) => event.id));
    this.probe.check(events);
  }

  @OnDomainEvents('batch.*', {
    name: 'batch.ledger',
    transactional: true,
    retryCount: 2,
    retryDelay: 5,
  })
  async ledger(
    events: StoredEvent[],
    { transaction }: TransactionalHandlerContext,
  ): Promise<void> {
    this.probe.transactionalCalls.push(events.map((event) => event.id));
    for (const event of events) {
      await transaction.queryRunner.query(
        'INSERT INTO batch_ledger (event_id) VALUES (?)',
        [event.id],
      );
    }
    this.probe.check(events);
  }
}

function batchModule(probe: BatchProbe): DynamicModule {
  @Module({})
  class BatchProbeModule {}
  return {
    module: BatchProbeModule,
    imports: [EventsModule],
    providers: [{ provide: BatchProbe, useValue: probe }, BatchHandlers],
  };
}

describe('@OnDomainEvents: handlers that take events in batches', () => {
  const apps = usePerTestApp();
  let api: TestApp | undefined;
  const probe = new BatchProbe();

  async function boot(): Promise<TestApp> {
    api = await apps.boot({}, { imports: [batchModule(probe)] });
    await api.app.get(UnitOfWork).run(async (tx) => {
      await tx.queryRunner.query(
        'CREATE TABLE IF NOT EXISTS batch_ledger (event_id TEXT NOT NULL)',
      );
    });
    return api;
  }

  afterEach(() => {
    probe.calls.length = 0;
    probe.transactionalCalls.length = 0;
    probe.poison.clear();
  });

  async function subscription(name: string) {
    const stats = (
      await (api as TestApp).request({ method: 'GET', url: '/events/stats' })
    ).json();
    return stats.subscriptions.find((s: { name: string }) => s.name === name);
  }

  async function ledger(): Promise<string[]> {
    const rows: { event_id: string }[] = await (api as TestApp).app
      .get(UnitOfWork)
      .run((tx) =>
        tx.queryRunner.query(
          'SELECT event_id FROM batch_ledger ORDER BY rowid',
        ),
      );
    return rows.map((row) => row.event_id);
  }

  it('hands a committed batch of matching events to one call, in log order', async () => {
    await boot();
    const ids = Array.from({ length: 20 }, (_, i) => `b-${i}`);
    await api!.app
      .get(EventBus)
      .publish([
        ...ids.map((id) => ({ id, type: 'batch.item' })),
        { id: 'other', type: 'other.item' },
      ]);
    await eventually(
      async () => (await subscription('batch.plain')).processed === 20,
    );
    expect(probe.calls).toEqual([ids]);
    await eventually(
      async () => (await subscription('batch.ledger')).processed === 20,
    );
    expect(probe.transactionalCalls).toEqual([ids]);
    expect(await ledger()).toEqual(ids);
  });

  it('isolates a poison event: the rest are delivered, the poison is parked after its retries', async () => {
    await boot();
    const ids = ['p-0', 'p-1', 'p-2', 'p-3'];
    probe.poison.add('p-2');
    await api!.app
      .get(EventBus)
      .publish(ids.map((id) => ({ id, type: 'batch.item' })));

    for (const name of ['batch.plain', 'batch.ledger']) {
      await eventually(
        async () => {
          const stats = await subscription(name);
          return stats.processed === 3 && stats.parked === 1 && stats.lag === 0;
        },
        { what: `${name} settled` },
      );
    }
    // After the failed batch call each event went alone; the poison was tried retryCount times.
    expect(probe.calls[0]).toEqual(ids);
    expect(
      probe.calls.slice(1).filter((call) => call[0] === 'p-2'),
    ).toHaveLength(2);
    expect(probe.calls.slice(1).every((call) => call.length === 1)).toBe(true);

    // Transactional: the failed batch's writes were rolled back; each good event written once.
    expect(await ledger()).toEqual(['p-0', 'p-1', 'p-3']);
    const parked = (
      await api!.request({
        method: 'GET',
        url: '/events/dead-letters?subscription=batch.ledger',
      })
    ).json();
    expect(
      parked.dead_letters.map((entry: { event_id: string }) => entry.event_id),
    ).toEqual(['p-2']);
  });
});
