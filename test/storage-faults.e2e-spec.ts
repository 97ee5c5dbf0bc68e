import Database from 'better-sqlite3';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  allEvents,
  getJson,
  type SubscriptionStatsBody,
  type UserBody,
} from './support/http.js';
import {
  faultInjection,
  setImmutable,
  smallFilesystem,
  smallFilesystems,
  whileImmutable,
} from './support/faults.js';
import { Probe, probeModule, readLedger } from './support/probe.js';
import { ProbeModule } from './support/probe.module.js';
import {
  eventually,
  startTestApp,
  useTestApp,
  type TestApp,
  type TestResponse,
} from './support/test-app.js';

const faults = faultInjection();
if (!faults.available)
  console.warn(`storage fault tests skipped: ${faults.reason}`);
const filesystems = smallFilesystems();
if (!filesystems.available)
  console.warn(`full disk test skipped: ${filesystems.reason}`);

/** What a client was told about each write it attempted. */
class Ledger {
  readonly acknowledged = new Set<string>();
  readonly refused = new Set<string>();
  readonly users = new Map<string, 'acknowledged' | 'refused'>();
  readonly unexpected: string[] = [];

  record(what: string, response: TestResponse, user = false): void {
    const status = response.statusCode;
    if (status === 201 || status === 200) {
      if (user) this.users.set(what, 'acknowledged');
      else this.acknowledged.add(what);
    } else if (status === 503 && Number(response.headers['retry-after']) > 0) {
      if (user) this.users.set(what, 'refused');
      else this.refused.add(what);
    } else {
      this.unexpected.push(`${what}: ${status} ${response.body}`);
    }
  }
}

/** Event ids and emails: a mix of transactional (ledger.*) and plain (probe.*) deliveries. */
async function writeSome(
  api: TestApp,
  ledger: Ledger,
  prefix: string,
  count: number,
) {
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const id = `${prefix}-${i}`;
      const type = i % 2 ? 'ledger.entry' : 'probe.note';
      ledger.record(
        id,
        await api.request({
          method: 'POST',
          url: '/events',
          payload: { id, type, source: '/faults', data: { i } },
        }),
      );
      if (i % 4 === 0) {
        const email = `${id}@example.com`;
        ledger.record(
          email,
          await api.request({
            method: 'POST',
            url: '/users',
            payload: { email, name: id },
          }),
          true,
        );
      }
    }),
  );
}

async function expectConsistent(
  api: TestApp,
  ledger: Ledger,
  probe: Probe,
  databasePath: string,
) {
  expect(ledger.unexpected).toEqual([]);
  const stored = (await allEvents(api))
    .filter((event) => event.source === '/faults')
    .map((event) => event.id);
  const storedSet = new Set(stored);
  expect(stored.length, 'each event stored once').toBe(storedSet.size);
  for (const id of ledger.acknowledged)
    expect(storedSet.has(id), `${id} was acknowledged`).toBe(true);
  for (const id of ledger.refused)
    expect(storedSet.has(id), `${id} was refused`).toBe(false);

  const users = await getJson<{ users: UserBody[] }>(api, '/users?limit=100');
  const emails = new Set(users.users.map((user) => user.email));
  for (const [email, outcome] of ledger.users)
    expect(emails.has(email), `${email} was ${outcome}`).toBe(
      outcome === 'acknowledged',
    );

  // Exactly-once handler: one committed ledger row per stored ledger.entry, none for others.
  const ledgerEvents = stored.filter(
    (id) => Number(id.split('-').pop()) % 2 === 1,
  );
  await eventually(
    () => readLedger(databasePath).length >= ledgerEvents.length || undefined,
    { what: 'the transactional handler to catch up', timeoutMs: 15_000 },
  );
  const rows = readLedger(databasePath).map((row) => row.event_id);
  expect([...rows].sort()).toEqual([...ledgerEvents].sort());
  // At-least-once handler: every stored probe.note delivered, nothing that was not stored.
  const notes = stored.filter((id) => Number(id.split('-').pop()) % 2 === 0);
  await eventually(
    () =>
      notes.every((id) => probe.steady.delivered().includes(id)) || undefined,
    { what: 'the plain handler to catch up', timeoutMs: 15_000 },
  );
  for (const call of probe.steady.calls)
    if (call.eventId.includes('-'))
      expect(storedSet.has(call.eventId), `${call.eventId} delivered`).toBe(
        true,
      );

  // A storage fault is nobody's failure: no attempt counted, nothing parked.
  const deadLetters = await getJson<{ dead_letters: unknown[] }>(
    api,
    '/events/dead-letters',
  );
  expect(deadLetters.dead_letters).toEqual([]);
  for (const call of probe.steady.calls) expect(call.outcome).not.toBe('error');
}

describe.skipIf(!faults.available)(
  `storage faults on a real SQLite file${faults.available ? '' : ` (skipped: ${faults.reason})`}`,
  () => {
    const probe = new Probe();
    const api = useTestApp({}, { imports: [probeModule(probe), ProbeModule] });
    afterEach(() => probe.reset());
    afterAll(async () => {
      for (const suffix of ['', '-wal', '-shm']) {
        try {
          setImmutable(`${api.databasePath}${suffix}`, false);
        } catch {
          // not there
        }
      }
    });

    const ready = () => api.request({ method: 'GET', url: '/health/ready' });

    it('answers 503 while the WAL cannot be written, loses no acknowledged write, and resumes by itself', async () => {
      const ledger = new Ledger();
      await writeSome(api, ledger, 'before', 24);
      expect(ledger.refused.size).toBe(0);

      await whileImmutable(`${api.databasePath}-wal`, async () => {
        await writeSome(api, ledger, 'during', 24);
        expect(ledger.acknowledged.has('during-0')).toBe(false);
        const readiness = await ready();
        expect(readiness.statusCode).toBe(503);
        expect(readiness.json().details.storage).toMatchObject({
          status: 'down',
          writable: false,
          code: expect.stringMatching(/^SQLITE_IOERR/),
        });
        expect(readiness.body).not.toContain(api.directory);
        // Still refused a moment later: the writer's probe cannot succeed yet.
        await writeSome(api, ledger, 'still', 8);
      });
      expect([...ledger.refused].length).toBeGreaterThanOrEqual(32);

      await eventually(async () => (await ready()).statusCode === 200, {
        what: 'readiness once the WAL takes writes again',
        timeoutMs: 15_000,
      });
      await writeSome(api, ledger, 'after', 24);
      expect(
        [...ledger.acknowledged].filter((id) => id.startsWith('after')),
      ).toHaveLength(24);

      await expectConsistent(api, ledger, probe, api.databasePath);
      // After a restart everything acknowledged is still there (handlers are done already).
      await api.restart();
      await expectConsistent(api, ledger, probe, api.databasePath);
    });

    it('pauses subscriptions during a storage fault instead of failing or parking their events', async () => {
      const subscription = async (name: string) =>
        (
          await getJson<{ subscriptions: SubscriptionStatsBody[] }>(
            api,
            '/events/stats',
          )
        ).subscriptions.find(
          (entry) => entry.name === name,
        ) as SubscriptionStatsBody;
      const failedBefore = {
        ledger: (await subscription('probe.ledger')).failed,
        chain: (await subscription('probe.chain')).failed,
      };
      // The transactional handler holds its delivery (and the writer) open until the fault is
      // in place, well within its own 1 s timeout.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      probe.ledger.behaviour = () => gate;
      const ids = Array.from({ length: 4 }, (_, i) => `pause-${i}`);
      // One request, so nothing else needs the writer while the handler holds it.
      const response = await api.request({
        method: 'POST',
        url: '/events',
        payload: ids.flatMap((id) =>
          ['ledger.entry', 'probe.ping'].map((type) => ({
            specversion: '1.0',
            id: `${id}-${type}`,
            source: '/pause',
            type,
          })),
        ),
        headers: { 'content-type': 'application/cloudevents-batch+json' },
      });
      expect(response.statusCode, response.body).toBe(201);
      await eventually(() => probe.ledger.calls.length > 0 || undefined, {
        what: 'the transactional handler to start',
      });

      await whileImmutable(`${api.databasePath}-wal`, async () => {
        release();
        await eventually(async () => (await ready()).statusCode === 503, {
          what: 'the fault to be noticed',
        });
        // Give paused subscriptions the time several retries would take (retry_delay 200ms).
        await new Promise((resolve) => setTimeout(resolve, 1_500));
      });

      const pongs = await eventually(
        async () => {
          const found = (await allEvents(api, { type: 'probe.pong' })).filter(
            (event) => ids.some((id) => event.data.ping === `${id}-probe.ping`),
          );
          return found.length === ids.length ? found : undefined;
        },
        {
          what: 'every ping answered once the fault cleared',
          timeoutMs: 15_000,
        },
      );
      expect(new Set(pongs.map((event) => event.data.ping)).size).toBe(
        ids.length,
      );
      const rows = readLedger(api.databasePath).filter((row) =>
        row.event_id.startsWith('pause-'),
      );
      expect(rows.map((row) => row.event_id).sort()).toEqual(
        ids.map((id) => `${id}-ledger.entry`).sort(),
      );
      expect(rows.every((row) => row.attempt === 1)).toBe(true);
      expect((await subscription('probe.ledger')).failed).toBe(
        failedBefore.ledger,
      );
      expect((await subscription('probe.chain')).failed).toBe(
        failedBefore.chain,
      );
      const deadLetters = await getJson<{ dead_letters: unknown[] }>(
        api,
        '/events/dead-letters',
      );
      expect(deadLetters.dead_letters).toEqual([]);
    });

    it('starts on a database that cannot be written, reports it as not ready, and takes writes by itself once it can', async () => {
      await api.close();
      setImmutable(api.databasePath, true);
      try {
        await api.restart();
        const readiness = await ready();
        expect(readiness.statusCode).toBe(503);
        expect(readiness.json().details.storage).toMatchObject({
          status: 'down',
          writable: false,
        });
        const refused = await api.request({
          method: 'POST',
          url: '/events',
          payload: { id: 'readonly-1', type: 'probe.note', source: '/faults' },
        });
        expect(refused.statusCode).toBe(503);
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      } finally {
        setImmutable(api.databasePath, false);
      }
      // Writable again: the writer's probe reopens the file and takes writes by itself.
      await eventually(async () => (await ready()).statusCode === 200, {
        what: 'readiness once the file is writable',
        timeoutMs: 15_000,
      });
      const stored = await api.request({
        method: 'POST',
        url: '/events',
        payload: { id: 'readonly-2', type: 'probe.note', source: '/faults' },
      });
      expect(stored.statusCode, stored.body).toBe(201);
    });
  },
);

describe.skipIf(!faults.available || !filesystems.available)(
  `a full disk${filesystems.available ? '' : ` (skipped: ${filesystems.reason})`}`,
  () => {
    const probe = new Probe();
    let disk: ReturnType<typeof smallFilesystem>;
    let api: TestApp;

    beforeAll(async () => {
      disk = smallFilesystem(8 * 1024 * 1024);
      api = await startTestApp(
        disk.path,
        {},
        { imports: [probeModule(probe)] },
      );
    });
    afterAll(async () => {
      await api?.close();
      disk?.unmount();
    });

    it('refuses writes with 503 while the disk is full and takes them again once space is freed', async () => {
      const ledger = new Ledger();
      await writeSome(api, ledger, 'roomy', 8);
      const filler = join(disk.path, 'filler');
      const payload = 'x'.repeat(64 * 1024);
      // Fill the disk, leaving a little room: then large events run out of it.
      try {
        writeFileSync(filler, Buffer.alloc(8 * 1024 * 1024));
      } catch {
        // ENOSPC: the file holds what fitted
      }
      let refusedAt = -1;
      for (let i = 0; i < 200 && refusedAt < 0; i++) {
        const id = `full-${i}`;
        const response = await api.request({
          method: 'POST',
          url: '/events',
          payload: {
            id,
            type: 'probe.note',
            source: '/faults',
            data: { payload },
          },
        });
        ledger.record(id, response);
        if (response.statusCode === 503) refusedAt = i;
      }
      expect(refusedAt, 'the disk filled up').toBeGreaterThanOrEqual(0);
      const readiness = await api.request({
        method: 'GET',
        url: '/health/ready',
      });
      expect(readiness.statusCode).toBe(503);
      expect(readiness.json().details.storage.code).toMatch(
        /^SQLITE_(FULL|IOERR)/,
      );

      rmSync(filler);
      await eventually(
        async () =>
          (await api.request({ method: 'GET', url: '/health/ready' }))
            .statusCode === 200,
        { what: 'readiness once space is freed', timeoutMs: 15_000 },
      );
      await writeSome(api, ledger, 'freed', 8);
      expect(
        [...ledger.acknowledged].filter((id) => id.startsWith('freed')),
      ).toHaveLength(8);
      await expectConsistent(api, ledger, probe, api.databasePath);
      // After a restart everything acknowledged is still there (handlers are done already).
      await api.restart();
      await expectConsistent(api, ledger, probe, api.databasePath);
    });
  },
);

/**
 * SQLite keeps, on each event row that raises the running maximum of event times, that maximum
 * (time_high_water; null on the others), and an ascending `since` listing starts at the first
 * row whose mark reaches the bound. A group rolled back by a storage fault must leave no trace
 * in the marks of the rows written after it, or such listings would skip rows or start too
 * early.
 */
describe.skipIf(!faults.available)(
  `event time high-water marks across a storage fault${faults.available ? '' : ` (skipped: ${faults.reason})`}`,
  () => {
    const api = useTestApp();
    afterAll(() => {
      try {
        setImmutable(`${api.databasePath}-wal`, false);
      } catch {
        // not there
      }
    });

    const at = (day: string) => `${day}T12:00:00.000Z`;
    // Out of order on purpose: the mark rises, holds, and rises again.
    const BEFORE = ['2026-03-01', '2030-06-01', '2027-01-01', '2030-01-01'];
    // Later than everything stored: if the refused group's mark survived, it would show.
    const REFUSED = ['2099-01-01', '2098-01-01', '2097-01-01', '2096-01-01'];
    // Below the peak before the fault, then above it, then below again.
    const AFTER = ['2026-01-01', '2028-01-01', '2031-01-01', '2029-05-01'];

    function publish(id: string, day: string) {
      return api.request({
        method: 'POST',
        url: '/events',
        payload: { id, type: 'clock.mark', source: '/marks', time: at(day) },
      });
    }

    it('marks exactly the rows that raise the running maximum of event times, and since lists exactly the rows at or after it', async () => {
      for (const [index, day] of BEFORE.entries()) {
        const response = await publish(`before-${index}`, day);
        expect(response.statusCode, response.body).toBe(201);
      }

      await whileImmutable(`${api.databasePath}-wal`, async () => {
        // A batch and single publishes at once: groups the fault refuses after their rows were
        // inserted (and their marks computed) inside the transaction.
        const responses = await Promise.all([
          api.request({
            method: 'POST',
            url: '/events',
            headers: { 'content-type': 'application/cloudevents-batch+json' },
            payload: JSON.stringify(
              REFUSED.map((day, index) => ({
                specversion: '1.0',
                id: `refused-batch-${index}`,
                source: '/marks',
                type: 'clock.mark',
                time: at(day),
              })),
            ),
          }),
          ...REFUSED.map((day, index) => publish(`refused-${index}`, day)),
        ]);
        for (const response of responses)
          expect(response.statusCode, response.body).toBe(503);
      });
      await eventually(
        async () =>
          (await api.request({ method: 'GET', url: '/health/ready' }))
            .statusCode === 200,
        {
          what: 'readiness once the WAL takes writes again',
          timeoutMs: 15_000,
        },
      );

      for (const [index, day] of AFTER.entries()) {
        const response = await publish(`after-${index}`, day);
        expect(response.statusCode, response.body).toBe(201);
      }

      const db = new Database(api.databasePath, { readonly: true });
      let rows: {
        id: string;
        mark: string | null;
        running: string;
        before: string | null;
      }[];
      try {
        rows = db
          .prepare(
            `SELECT id, time_high_water AS mark,
               MAX(time) OVER (ORDER BY position) AS running,
               MAX(time) OVER (ORDER BY position ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
             FROM events ORDER BY position`,
          )
          .all() as typeof rows;
      } finally {
        db.close();
      }
      expect(rows.map((row) => row.id)).toEqual([
        ...BEFORE.map((_, index) => `before-${index}`),
        ...AFTER.map((_, index) => `after-${index}`),
      ]);
      const raises = (row: (typeof rows)[number]) =>
        row.before === null || row.running > row.before;
      expect(
        rows.filter((row) => row.mark !== (raises(row) ? row.running : null)),
      ).toEqual([]);
      // The peak after the fault is marked where it was reached: the refused 2099 left no mark.
      expect(rows.find((row) => row.id === 'after-2')?.mark).toBe(
        at('2031-01-01'),
      );

      const everything = await allEvents(api);
      const bounds = [
        ...[...BEFORE, ...AFTER].map(at),
        '2025-01-01T00:00:00Z',
        '2029-01-01T00:00:00Z',
        '2030-03-01T00:00:00+02:00',
        '2030-12-31T00:00:00Z',
        '2096-01-01T00:00:00Z',
      ];
      for (const since of bounds) {
        const expected = everything
          .filter((event) => Date.parse(event.time) >= Date.parse(since))
          .map((event) => event.id);
        for (const order of ['asc', 'desc'])
          for (const limit of [1, 1000]) {
            const listed = await allEvents(api, { since, order }, limit);
            expect(
              listed.map((event) => event.id),
              `since ${since}, ${order}, pages of ${limit}`,
            ).toEqual(order === 'asc' ? expected : [...expected].reverse());
          }
      }
    });
  },
);
