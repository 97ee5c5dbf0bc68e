import { DataSource, type QueryRunner } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { UnitTimeoutError } from '../src/events/bus/writer/unit-timeout.js';
import { UnitOfWork } from '../src/events/index.js';
import { TransactionClosedError } from '../src/events/errors/transaction-closed.error.js';
import { TransactionControlError } from '../src/events/errors/transaction-control.error.js';
import { Product } from '../src/orders/data/product.entity.js';
import { allEvents, getJson, published } from './support/http.js';
import { eventually, useTestApp } from './support/test-app.js';

const onPostgres = process.env.TEST_STORE === 'postgres';

/**
 * The writer's transaction is its own: a unit of work cannot start, end or release it (which
 * would turn the group's COMMIT into a RELEASE SAVEPOINT and acknowledge writes that were never
 * committed), and a group never joins a transaction someone else left open on a pooled
 * connection.
 */
describe('the writer owns its transaction', () => {
  const api = useTestApp();

  const widgetStock = async (): Promise<number> => {
    const body = await getJson<{ products: { id: string; stock: number }[] }>(
      api,
      '/products',
    );
    return body.products.find((p) => p.id === 'widget')?.stock ?? NaN;
  };

  it.each([
    ['startTransaction', (runner: QueryRunner) => runner.startTransaction()],
    ['commitTransaction', (runner: QueryRunner) => runner.commitTransaction()],
    [
      'rollbackTransaction',
      (runner: QueryRunner) => runner.rollbackTransaction(),
    ],
    ['release', (runner: QueryRunner) => runner.release()],
    [
      'startTransaction',
      (runner: QueryRunner) =>
        runner.manager.transaction((manager) =>
          manager.increment(Product, { id: 'widget' }, 'stock', 1),
        ),
    ],
  ])(
    'refuses a unit that calls %s, rolls that unit back alone and commits the next',
    async (operation, control) => {
      const uow = api.app.get(UnitOfWork);
      const stockBefore = await widgetStock();

      const refused = uow.run(async (tx) => {
        await tx.manager.increment(Product, { id: 'widget' }, 'stock', 5);
        await tx.append({ type: 'writer.unit_refused', data: { operation } });
        await control(tx.queryRunner);
      });
      await expect(refused).rejects.toThrow(TransactionControlError);
      await expect(refused).rejects.toThrow(operation);

      const [committed] = await uow.run(async (tx) => {
        await tx.manager.increment(Product, { id: 'widget' }, 'stock', 1);
        return tx.append({ type: 'writer.unit_committed', data: {} });
      });
      // Listed once settled (on PostgreSQL, once no older transaction of the cluster runs).
      const events = await eventually(
        async () => {
          const all = await allEvents(api);
          return all.some((event) => event.id === committed.id)
            ? all
            : undefined;
        },
        { what: 'the committed unit to be listed' },
      );
      expect(events.filter((e) => e.type === 'writer.unit_refused')).toEqual(
        [],
      );
      expect(await widgetStock()).toBe(stockBefore + 1);
    },
  );

  it("refuses every call on a unit's query runner once the unit has ended", async () => {
    let kept: QueryRunner | undefined;
    await api.app.get(UnitOfWork).run(async (tx) => {
      kept = tx.queryRunner;
      await tx.queryRunner.query('SELECT 1');
    });
    expect(() => kept!.query('SELECT 1')).toThrow(TransactionClosedError);
    await expect(
      kept!.manager.increment(Product, { id: 'widget' }, 'stock', 1),
    ).rejects.toThrow(TransactionClosedError);
  });

  it.skipIf(!onPostgres)(
    'on PostgreSQL, rolls back a pooled connection released inside a transaction before a group writes on it',
    async () => {
      const dataSource = api.app.get(DataSource);
      const poolSize = (dataSource.options as { extra?: { max?: number } })
        .extra?.max;
      expect(poolSize).toBeGreaterThan(1);
      const stockBefore = await widgetStock();
      const held: QueryRunner[] = [];
      let xid: string;
      try {
        // Every connection of the writer's pool but one is held, so the one left open inside a
        // transaction is the one the next group gets.
        for (let i = 1; i < poolSize!; i++) {
          const runner = dataSource.createQueryRunner();
          await runner.connect();
          held.push(runner);
        }
        const leaked = dataSource.createQueryRunner();
        await leaked.query('START TRANSACTION');
        [{ xid }] = (await leaked.query(
          'SELECT pg_current_xact_id()::text AS xid',
        )) as { xid: string }[];
        await leaked.query(
          "UPDATE products SET stock = stock + 1000 WHERE id = 'widget'",
        );
        await leaked.release(); // a bug elsewhere: neither COMMIT nor ROLLBACK

        const event = await published(api, {
          type: 'writer.after_leak',
          data: {},
        });
        const [{ txid }] = (await dataSource.query(
          'SELECT txid::text AS txid FROM events WHERE id = $1',
          [event.id],
        )) as { txid: string }[];
        expect(txid).not.toBe(xid);
      } finally {
        await Promise.all(held.map((runner) => runner.release()));
      }
      // The abandoned update was rolled back, not committed with the group.
      expect(await widgetStock()).toBe(stockBefore);
      // ...and nothing runs in the abandoned transaction any more (pg_current_xact_id is an xid8,
      // with an epoch above pg_stat_activity's 32-bit xid).
      const [{ running }] = (await dataSource.query(
        'SELECT count(*)::int AS running FROM pg_stat_activity WHERE backend_xid::text = $1',
        [String(BigInt(xid) % 2n ** 32n)],
      )) as { running: number }[];
      expect(running).toBe(0);
    },
  );
});

describe.skipIf(!onPostgres)(
  'on PostgreSQL, a unit that outlives its timeout',
  () => {
    const TIMEOUT_MS = 300;
    const api = useTestApp({ event: { handlers: { timeout: TIMEOUT_MS } } });

    it('writes nothing once rolled back, even with an append still waiting on the database', async () => {
      const dataSource = api.app.get(DataSource);
      const lock = dataSource.createQueryRunner();
      let unit: Promise<unknown>;
      try {
        // The append's first read waits for this lock past the unit's timeout: the writer rolls
        // the unit back meanwhile, and the rest of the append runs after that rollback.
        await lock.query('START TRANSACTION');
        await lock.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
        unit = api.app
          .get(UnitOfWork)
          .run((tx) =>
            tx.append(
              { type: 'writer.timed_out', data: {} },
              { streamId: 'timed-out-1', expectedVersion: 'any' },
            ),
          )
          .then(
            () => 'committed',
            (error: unknown) => error,
          );
        await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS * 2));
        await lock.query('COMMIT');
      } finally {
        await lock.release();
      }
      expect(await unit).toBeInstanceOf(UnitTimeoutError);

      const after = await published(api, {
        type: 'writer.after_timeout',
        data: {},
      });
      const events = await eventually(
        async () => {
          const all = await allEvents(api);
          return all.some((event) => event.id === after.id) ? all : undefined;
        },
        { what: 'the next publish to be listed' },
      );
      expect(events.filter((e) => e.type === 'writer.timed_out')).toEqual([]);
    });
  },
);
