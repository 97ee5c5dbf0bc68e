import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson } from './support/http.js';
import { Probe, probeModule } from './support/probe.js';
import { seededRandom } from './support/seeded-random.js';
import {
  createTestDatabase,
  postgresAvailability,
} from './support/services.js';
import {
  eventually,
  startTestApp,
  temporaryDirectory,
  type TestApp,
} from './support/test-app.js';

const postgres = await postgresAvailability();
if (!postgres.available)
  console.warn(`PostgreSQL tests skipped: ${postgres.reason}`);

const WRITERS = 8;
const TRANSACTIONS_PER_WRITER = 12;
const EVENTS_PER_TRANSACTION = 3;
const TOTAL = WRITERS * TRANSACTIONS_PER_WRITER * EVENTS_PER_TRANSACTION;
const MAX_DELAY_MS = 40;
const SEED = 11;

interface Page {
  events: { id: string; position: number }[];
  next: string | null;
}

/**
 * Positions come from a sequence: a transaction that took position 10 and sleeps commits after
 * the one that took 11. Readers that moved past 11 by position would never see 10. Each writer
 * here is its own connection (like another instance), sleeping at random inside its
 * transactions, while GET /events and a durable subscription follow the log.
 */
describe.skipIf(!postgres.available)(
  `readers under concurrent writers on PostgreSQL${postgres.available ? '' : ` (skipped: ${postgres.reason})`}`,
  () => {
    const directory = temporaryDirectory();
    const probe = new Probe();
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let api: TestApp;

    beforeAll(async () => {
      database = await createTestDatabase();
      api = await startTestApp(
        directory.path,
        {
          event: { store: { driver: 'postgres' } },
          database: { url: database.url },
        },
        { imports: [probeModule(probe)] },
      );
    });
    afterAll(async () => {
      await api?.close();
      await database?.drop();
      directory.cleanup();
    });

    /** One writer: transactions of several events, sleeping between inserts and before COMMIT. */
    async function write(writer: number, random: () => number) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const transactions: string[][] = [];
      try {
        for (let t = 0; t < TRANSACTIONS_PER_WRITER; t++) {
          const ids: string[] = [];
          await client.query('BEGIN');
          for (let e = 0; e < EVENTS_PER_TRANSACTION; e++) {
            const id = `w${writer}-t${t}-e${e}-${randomUUID()}`;
            await client.query(
              `INSERT INTO events (id, type, source, datacontenttype, time, correlation_id, data, metadata, recorded_at)
               VALUES ($1, 'probe.visible', 'urn:writers', 'application/json', now(), $1, '{}', '{}', now())`,
              [id],
            );
            ids.push(id);
            await sleep(random() * MAX_DELAY_MS);
          }
          await client.query('COMMIT');
          transactions.push(ids);
        }
      } finally {
        await client.end();
      }
      return transactions;
    }

    it('a reader sees every event exactly once, each transaction in its order, however late it commits', async () => {
      const random = seededRandom(SEED);
      const writing = Promise.all(
        Array.from({ length: WRITERS }, (_, writer) => write(writer, random)),
      );
      let done = false;
      void writing.finally(() => (done = true));

      // Follow `next` while the writers run, and on until every event has been read.
      const read: string[] = [];
      let after = '0';
      const deadline = Date.now() + 15_000;
      for (
        let page = 0;
        page < 5_000 && read.length < TOTAL && Date.now() < deadline;
        page++
      ) {
        const body = await getJson<Page>(
          api,
          `/events?type=probe.visible&limit=50&after=${after}`,
        );
        read.push(...body.events.map((event) => event.id));
        const last = body.events.at(-1);
        // The last page has no `next`: a tailing reader goes on after its last event.
        if (body.next !== null) after = body.next;
        else if (last) after = String(last.position);
        else await sleep(done ? 20 : 5);
      }
      const transactions = (await writing).flat(1);

      expect(read).toHaveLength(TOTAL);
      expect(new Set(read).size).toBe(TOTAL);
      const order = new Map(read.map((id, index) => [id, index]));
      for (const ids of transactions) {
        const indexes = ids.map((id) => order.get(id) as number);
        // A transaction's events are read together and in the order it wrote them.
        expect(indexes).toEqual(
          indexes.map((_, offset) => (indexes[0] as number) + offset),
        );
      }

      // A durable subscription sees the same log in the same order.
      const delivered = await eventually(
        () => {
          const ids = probe.steady
            .delivered()
            .filter((id) => id.startsWith('w'));
          return ids.length >= TOTAL && ids;
        },
        { timeoutMs: 20_000, what: 'probe.steady to handle every event' },
      );
      expect(delivered).toEqual(read);
    });
  },
);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
