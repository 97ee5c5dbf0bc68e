import { statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/index.js';
import { eventCount } from './support/http.js';
import {
  eventually,
  startTestApp,
  temporaryDirectory,
  type TestApp,
} from './support/test-app.js';

const EVENTS = 1_000;
/** About 1.6 MB of rows and index entries: some 400 pages, below the 1,000 SQLite waits for. */
const PADDING = 'x'.repeat(1_000);

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
});
