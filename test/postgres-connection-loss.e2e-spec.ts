import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stats, type StatsBody } from './support/http.js';
import { runLoad, type LoadResult } from './support/load.js';
import {
  startAnswerCutter,
  type AnswerCutter,
} from './support/pg-answer-cutter.js';
import { httpJson } from './support/real-http.js';
import {
  createTestDatabase,
  POSTGRES_URL,
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
  console.warn(`PostgreSQL connection loss tests skipped: ${postgres.reason}`);

const TYPE = 'conn.loss';

describe.skipIf(!postgres.available)(
  `a lost PostgreSQL connection follows the storage-fault rules${postgres.available ? '' : ` (skipped: ${postgres.reason})`}`,
  () => {
    const directory = temporaryDirectory();
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let databaseName: string;
    let api: TestApp;
    let baseUrl: string;
    // A client of its own, on the maintenance database: it outlives every termination.
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    const acknowledged = new Set<string>();
    const refused = new Set<string>();

    beforeAll(async () => {
      database = await createTestDatabase();
      databaseName = new URL(database.url).pathname.slice(1);
      await admin.connect();
      api = await startTestApp(directory.path, {
        event: { store: { driver: 'postgres' } },
        database: { url: database.url },
      });
      await api.app.listen(0, '127.0.0.1');
      const { port } = api.app.getHttpServer().address() as AddressInfo;
      baseUrl = `http://127.0.0.1:${port}`;
    });
    afterAll(async () => {
      await admin
        .query(`ALTER DATABASE ${databaseName} ALLOW_CONNECTIONS true`)
        .catch(() => undefined);
      await api?.close();
      await admin.end().catch(() => undefined);
      await database?.drop();
      directory.cleanup();
    });

    /** Ends every server connection of the app, and waits (up to 5 s each) until they are gone. */
    async function terminateAppConnections(): Promise<number> {
      const result = await admin.query<{ gone: boolean }>(
        `SELECT pg_terminate_backend(pid, 5000) AS gone FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [databaseName],
      );
      return result.rows.length;
    }

    const ready = () => httpJson(baseUrl, 'GET', '/health/ready');

    function record(load: LoadResult) {
      for (const id of load.acknowledged) acknowledged.add(id);
      for (const id of load.refused) refused.add(id);
    }

    /** Every answer a client got is 201, or 503 with a Retry-After: nothing else, and no silence. */
    function expectOnlyAcknowledgedOrRefused(load: LoadResult) {
      expect(load.unexpected).toEqual([]);
      expect(load.unanswered).toEqual([]);
      for (const refusal of load.refusals)
        expect(
          Number(refusal.retryAfter),
          JSON.stringify(refusal),
        ).toBeGreaterThan(0);
    }

    /** The log's head; a read right after a termination may fail, so it is asked until it answers. */
    const headOfLog = () =>
      eventually(async () => (await stats(api)).head, {
        what: 'GET /events/stats',
        timeoutMs: 30_000,
      });

    it('terminated mid-load: every answer is 201 or 503 with Retry-After, and the writer reconnects by itself', async () => {
      let stop = false;
      const loading = runLoad(baseUrl, {
        concurrency: 16,
        prefix: 'load',
        type: TYPE,
        stop: () => stop,
        maxRequests: 3000,
        maxDurationMs: 60_000,
      }).then((result) => {
        stop = true;
        return result;
      });
      let terminations = 0;
      try {
        for (let round = 0; round < 3 && !stop; round++) {
          const head = await headOfLog();
          // Wait for writes to go on (after a termination: to have recovered) before the next.
          await eventually(
            async () =>
              stop || (await stats(api)).head >= head + 50 || undefined,
            { what: 'writes to go on', timeoutMs: 30_000, intervalMs: 50 },
          );
          if (stop) break;
          terminations += await terminateAppConnections();
        }
        const headAtLast = await headOfLog();
        await eventually(
          async () =>
            stop || (await stats(api)).head >= headAtLast + 50 || undefined,
          { what: 'writes after the last termination', timeoutMs: 30_000 },
        );
      } finally {
        stop = true;
      }
      const load = await loading;
      record(load);
      expectOnlyAcknowledgedOrRefused(load);
      expect(terminations, 'connections were terminated').toBeGreaterThan(0);
      expect(load.acknowledged.length).toBeGreaterThan(0);

      await eventually(async () => (await ready()).status === 200, {
        what: 'readiness to recover',
        timeoutMs: 30_000,
      });
      const after = await httpJson(baseUrl, 'POST', '/events', {
        id: 'after-load',
        type: TYPE,
        data: {},
      });
      expect(after.status).toBe(201);
      acknowledged.add('after-load');
    });

    it('while no connection can be made: writes and readiness answer 503, and both recover once it can', async () => {
      await admin.query(
        `ALTER DATABASE ${databaseName} ALLOW_CONNECTIONS false`,
      );
      try {
        await terminateAppConnections();
        // A write is what makes the writer notice: whether the pool hands it a dead connection
        // or none can be opened, it is refused, and the writer is faulted from then on.
        const first = await httpJson(baseUrl, 'POST', '/events', {
          id: 'blocked-first',
          type: TYPE,
          data: {},
        });
        expect(first.status, JSON.stringify(first.body)).toBe(503);
        expect(Number(first.headers.get('retry-after'))).toBeGreaterThan(0);
        refused.add('blocked-first');
        const faulted = await ready();
        expect(faulted.status).toBe(503);
        expect(faulted.body.details.storage).toMatchObject({
          status: 'down',
          writable: false,
        });
        const load = await runLoad(baseUrl, {
          concurrency: 8,
          prefix: 'blocked',
          type: TYPE,
          stop: () => false,
          maxRequests: 40,
          maxDurationMs: 30_000,
        });
        record(load);
        expectOnlyAcknowledgedOrRefused(load);
        expect(load.acknowledged).toEqual([]);
        expect(load.refused).toHaveLength(40);
        expect((await ready()).status).toBe(503);
      } finally {
        await admin.query(
          `ALTER DATABASE ${databaseName} ALLOW_CONNECTIONS true`,
        );
      }

      await eventually(async () => (await ready()).status === 200, {
        what: 'readiness to recover once connections are allowed',
        timeoutMs: 30_000,
      });
      const load = await runLoad(baseUrl, {
        concurrency: 8,
        prefix: 'allowed',
        type: TYPE,
        stop: () => false,
        maxRequests: 40,
        maxDurationMs: 30_000,
      });
      record(load);
      expectOnlyAcknowledgedOrRefused(load);
      expect(load.acknowledged).toHaveLength(40);
    });

    it('afterwards: every acknowledged event stored exactly once, no refused one, subscriptions caught up', async () => {
      expect(acknowledged.size).toBeGreaterThan(0);
      expect(refused.size).toBeGreaterThan(0);
      const app = new pg.Client({ connectionString: database.url });
      await app.connect();
      let copies: Map<string, number>;
      try {
        const rows = await app.query<{ id: string; copies: string }>(
          `SELECT id, count(*) AS copies FROM events WHERE type = $1 GROUP BY id`,
          [TYPE],
        );
        copies = new Map(rows.rows.map((row) => [row.id, Number(row.copies)]));
      } finally {
        await app.end();
      }
      for (const [id, count] of copies)
        expect(count, `${id} stored once`).toBe(1);
      const lost = [...acknowledged].filter((id) => !copies.has(id));
      expect(lost, 'acknowledged but not stored').toEqual([]);
      // The 503 says "nothing was stored", and for this fault that holds strictly: a backend
      // terminated while idle in the group's transaction rolls it back and the COMMIT fails;
      // one terminated while committing holds the interrupt until the commit is recorded and
      // its answer sent, so the writer sees success and acknowledges. Only a cut between a
      // durable COMMIT and its answer (network, server crash) leaves the outcome unknown.
      const storedAnyway = [...refused].filter((id) => copies.has(id));
      expect(storedAnyway, 'refused but stored').toEqual([]);
      const unknown = [...copies.keys()].filter(
        (id) => !acknowledged.has(id) && !refused.has(id),
      );
      expect(unknown, 'stored without being asked').toEqual([]);

      const caughtUp: StatsBody = await eventually(
        async () => {
          const current = await stats(api);
          return current.subscriptions.every((s) => s.lag === 0)
            ? current
            : undefined;
        },
        { what: 'every subscription to catch up', timeoutMs: 30_000 },
      );
      expect(caughtUp.subscriptions.length).toBeGreaterThan(0);
    });
  },
);

describe.skipIf(!postgres.available)(
  `a COMMIT whose answer is lost${postgres.available ? '' : ` (skipped: ${postgres.reason})`}`,
  () => {
    const directory = temporaryDirectory();
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let cutter: AnswerCutter;
    let api: TestApp;

    beforeAll(async () => {
      database = await createTestDatabase();
      cutter = await startAnswerCutter(database.url);
      api = await startTestApp(directory.path, {
        event: { store: { driver: 'postgres' } },
        database: { url: cutter.url },
      });
    });
    afterAll(async () => {
      await api?.close();
      await cutter?.close();
      await database?.drop();
      directory.cleanup();
    });

    const publishOne = (id: string) =>
      api.request({
        method: 'POST',
        url: '/events',
        payload: { id, type: TYPE, data: {} },
      });

    it('is looked up: the committed write is acknowledged, stored once, and delivered', async () => {
      expect((await publishOne('before-cut')).statusCode).toBe(201);
      const cut = cutter.cutCommitOf('lost-answer');
      const answer = await publishOne('lost-answer');
      await cut;
      // The server recorded the COMMIT: refusing would tell the client "nothing was stored"
      // about a stored event.
      expect(answer.statusCode, answer.body).toBe(201);
      expect(answer.json().id).toBe('lost-answer');

      await eventually(
        async () =>
          (await api.request({ method: 'GET', url: '/health/ready' }))
            .statusCode === 200,
        { what: 'readiness', timeoutMs: 30_000 },
      );
      expect((await publishOne('after-cut')).statusCode).toBe(201);
      const again = await publishOne('lost-answer');
      expect(again.statusCode, 'a repeat finds the stored event').toBe(200);

      const direct = new pg.Client({ connectionString: database.url });
      await direct.connect();
      try {
        const rows = await direct.query<{ id: string; copies: string }>(
          `SELECT id, count(*) AS copies FROM events WHERE type = $1 GROUP BY id ORDER BY id`,
          [TYPE],
        );
        expect(rows.rows.map((row) => [row.id, Number(row.copies)])).toEqual([
          ['after-cut', 1],
          ['before-cut', 1],
          ['lost-answer', 1],
        ]);
      } finally {
        await direct.end();
      }
      await eventually(
        async () =>
          (await stats(api)).subscriptions.every((s) => s.lag === 0) ||
          undefined,
        { what: 'every subscription to catch up', timeoutMs: 30_000 },
      );
    });

    it('that cannot be looked up is refused without claiming that nothing was stored', async () => {
      // With the answer, every connection is cut, and none gets through until the test says so.
      const cut = cutter.cutCommitOf('unknown-outcome', { thenRefuse: true });
      let answer;
      try {
        answer = await publishOne('unknown-outcome');
        await cut;
      } finally {
        cutter.refuseConnections(false);
      }
      expect(answer.statusCode, answer.body).toBe(503);
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      expect(answer.json().message).toMatch(/outcome is unknown/);
      expect(answer.json().message).not.toMatch(/nothing was stored/);

      // The rule for the client: retry with the same id. It committed, so the repeat finds it.
      const retry = await eventually(
        async () => {
          const again = await publishOne('unknown-outcome');
          return again.statusCode === 503 ? undefined : again;
        },
        { what: 'the writer to take writes again', timeoutMs: 30_000 },
      );
      expect(retry.statusCode, retry.body).toBe(200);
    });
  },
);
