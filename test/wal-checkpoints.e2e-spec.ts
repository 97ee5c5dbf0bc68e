import { statSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import {
  afterEach,
  beforeEach,
  describe,
  expect,
  it,
  vi,
  type MockInstance,
} from 'vitest';
import { EventBus } from '../src/events/index.js';
import { faultInjection, whileImmutable } from './support/faults.js';
import { eventCount, publish } from './support/http.js';
import { sample, scrape } from './support/metrics.js';
import {
  eventually,
  startTestApp,
  temporaryDirectory,
  type TestApp,
} from './support/test-app.js';

const EVENTS = 1_000;
/** About 1.6 MB of rows and index entries: some 400 pages, below the 1,000 SQLite waits for. */
const PADDING = 'x'.repeat(1_000);

const faults = faultInjection();

async function passes(api: TestApp, outcome: 'ok' | 'failed') {
  const text = await scrape(api);
  return (
    sample(text, `sqlite_wal_checkpoints_total{outcome="${outcome}"}`) ?? 0
  );
}

/** Publishes `count` events over HTTP, each answered 201 (committed). */
async function publishSome(api: TestApp, count: number, type: string) {
  for (let n = 0; n < count; n++) {
    const response = await publish(api, { type, data: { n } });
    expect(response.statusCode, response.body).toBe(201);
  }
}

/**
 * SQLite in WAL mode: committed pages reach the database file through checkpoints, which run
 * beside the writer while the application runs (SQLite itself would wait for 1,000 pages in the
 * WAL and then copy them inside a COMMIT), and every event survives a restart.
 */
describe('WAL checkpoints on a real SQLite file', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  let api: TestApp | undefined;

  beforeEach(() => {
    directory = temporaryDirectory();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await api?.close();
    api = undefined;
    directory.cleanup();
  });

  it('copies committed events into the database file while the application runs, and keeps them all', async () => {
    api = await startTestApp(directory.path);
    await api.app.get(EventBus).publish(
      Array.from({ length: EVENTS }, (_, n) => ({
        type: 'clock.tick',
        data: { n, padding: PADDING },
      })),
    );

    const { databasePath } = api;
    await eventually(
      () => statSync(databasePath).size > EVENTS * PADDING.length,
      {
        what: 'the committed events copied into the database file',
        timeoutMs: 10_000,
      },
    );

    await api.restart();
    expect(await eventCount(api)).toBe(EVENTS);
  });

  it('reports its passes on /metrics: the WAL frames, the last pass and how many ran', async () => {
    api = await startTestApp(directory.path);
    await publishSome(api, 5, 'wal.metrics');
    const text = await eventually(
      async () => {
        const scraped = await scrape(api!);
        return (sample(scraped, 'sqlite_wal_checkpointed_frames') ?? 0) > 0
          ? scraped
          : undefined;
      },
      { what: 'a pass that copied frames, in /metrics' },
    );
    expect(text).toContain('# TYPE sqlite_wal_checkpoints_total counter');
    expect(
      sample(text, 'sqlite_wal_checkpoints_total{outcome="ok"}'),
    ).toBeGreaterThan(0);
    expect(sample(text, 'sqlite_wal_checkpoints_total{outcome="failed"}')).toBe(
      0,
    );
    expect(sample(text, 'sqlite_wal_frames')).toBeGreaterThanOrEqual(
      sample(text, 'sqlite_wal_checkpointed_frames')!,
    );
    const lastPass = sample(
      text,
      'sqlite_wal_last_checkpoint_timestamp_seconds',
    )!;
    expect(Math.abs(lastPass - Date.now() / 1000)).toBeLessThan(60);
  });

  it.skipIf(!faults.available)(
    `says once when passes fail on a database file that cannot be written, keeps every commit in the WAL, and says when they run again${faults.available ? '' : ` (skipped: ${faults.reason})`}`,
    async () => {
      const warnings: MockInstance = vi.spyOn(Logger.prototype, 'warn');
      const notes: MockInstance = vi.spyOn(Logger.prototype, 'log');
      const said = (spy: MockInstance, text: string) =>
        spy.mock.calls.filter(([message]) => String(message).includes(text));
      api = await startTestApp(directory.path);
      await publishSome(api, 5, 'wal.before');
      await eventually(async () => (await passes(api!, 'ok')) > 0, {
        what: 'a pass that ran',
      });

      await whileImmutable(api.databasePath, async () => {
        // Commits only append to the WAL: they are still acknowledged.
        await publishSome(api!, 20, 'wal.during');
        await eventually(async () => (await passes(api!, 'failed')) >= 3, {
          what: 'failed passes in /metrics',
        });
        expect(said(warnings, 'WAL checkpoints are failing')).toHaveLength(1);
      });
      const okBefore = await passes(api, 'ok');

      await eventually(
        () => said(notes, 'WAL checkpoints run again after').length === 1,
        { what: 'the recovery in the log' },
      );
      await eventually(async () => (await passes(api!, 'ok')) > okBefore, {
        what: 'passes that ran again, in /metrics',
      });
      expect(said(warnings, 'WAL checkpoints are failing')).toHaveLength(1);
      await api.restart();
      expect(await eventCount(api)).toBe(25);
    },
  );
});
