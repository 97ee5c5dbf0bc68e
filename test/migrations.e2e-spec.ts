import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectMigrations } from '../src/database/migration-collector.js';
import { getJson } from './support/http.js';
import { startTestApp, temporaryDirectory } from './support/test-app.js';

/**
 * Every migration that databases in the field have already recorded, by class name, oldest
 * first. TypeORM knows an applied migration by this name alone: renaming or renumbering one
 * would run it again on every existing database. Only append to this list.
 */
const SHIPPED = [
  'CreateEventStore1732300000000',
  'CreateUsers1732300000001',
  'CreateNotifications1732300000002',
  'CreateAnalytics1732300000003',
  'CreateAuditLog1732300000004',
  'CreateWebhookSubscriptions1732300000010',
  'SealWebhookSecrets1732300000011',
  'CreateSagas1732300000020',
  'CreateOrders1732300000021',
  'CreateRetentionRuns1732300000030',
  'CreateStorageProbe1732300000040',
];

interface MigrationRow {
  id: number;
  timestamp: number;
  name: string;
}

/** What the database says about itself: applied migrations and every schema object. */
function snapshot(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    return {
      migrations: db
        .prepare('SELECT id, timestamp, name FROM migrations ORDER BY id')
        .all() as MigrationRow[],
      schema: db
        .prepare(
          "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
        )
        .all(),
    };
  } finally {
    db.close();
  }
}

const timestampOf = (name: string) => Number(name.slice(-13));

/** A database file made by an earlier release: only `migrations` known to it. */
async function legacyDatabase(
  path: string,
  migrations: Awaited<ReturnType<typeof collectMigrations>>,
): Promise<DataSource> {
  const legacy = new DataSource({
    type: 'better-sqlite3',
    database: path,
    migrations,
    migrationsTransactionMode: 'each',
  });
  await legacy.initialize();
  return legacy;
}

describe('migrations collected from the modules', () => {
  let directory: ReturnType<typeof temporaryDirectory>;

  beforeEach(() => {
    directory = temporaryDirectory();
  });
  afterEach(() => directory.cleanup());

  it('finds every shipped migration under its class name and timestamp, in timestamp order', async () => {
    const found = (await collectMigrations()).map(({ name }) => ({
      name,
      timestamp: timestampOf(name),
    }));

    expect(found.filter(({ name }) => SHIPPED.includes(name))).toEqual(
      SHIPPED.map((name) => ({ name, timestamp: timestampOf(name) })),
    );
    const timestamps = found.map(({ timestamp }) => timestamp);
    expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));
  });

  it('creates a new database with every migration, and a restart on it runs none again', async () => {
    const all = (await collectMigrations()).map(({ name }) => name);
    const path = join(directory.path, 'events.db');

    const first = await startTestApp(directory.path);
    await first.close();
    const created = snapshot(path);
    expect(created.migrations.map(({ name }) => name)).toEqual(all);

    const second = await startTestApp(directory.path);
    await second.close();

    expect(snapshot(path)).toEqual(created);
  });

  it('upgrades a database made by the first five migrations by running exactly the missing ones, oldest first', async () => {
    const collected = await collectMigrations();
    const firstFive = SHIPPED.slice(0, 5);
    const older = collected.filter(({ name }) => firstFive.includes(name));
    expect(older).toHaveLength(5);
    const path = join(directory.path, 'events.db');
    const legacy = await legacyDatabase(path, older);
    const userId = '0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7a';
    try {
      await legacy.runMigrations();
      await legacy.query(
        'INSERT INTO users (id, email, name, version) VALUES (?, ?, ?, ?)',
        [userId, 'ada@example.com', 'Ada', 1],
      );
    } finally {
      await legacy.destroy();
    }
    const before = snapshot(path).migrations;

    const api = await startTestApp(directory.path);
    try {
      expect(await getJson(api, `/users/${userId}`)).toMatchObject({
        id: userId,
        email: 'ada@example.com',
      });
    } finally {
      await api.close();
    }

    const after = snapshot(path).migrations;
    expect(after.slice(0, 5)).toEqual(before);
    // Rows are numbered in the order the migrations ran: timestamp order, as collected.
    expect(after.slice(5).map(({ name }) => name)).toEqual(
      collected
        .map(({ name }) => name)
        .filter((name) => !firstFive.includes(name)),
    );
  });

  it('gives events stored before the time high-water mark existed their running maximum of times', async () => {
    const collected = await collectMigrations();
    const older = collected.filter(
      ({ name }) =>
        timestampOf(name) < timestampOf('AddTimeHighWater1796212155265'),
    );
    const path = join(directory.path, 'events.db');
    const legacy = await legacyDatabase(path, older);
    // Times out of log order, as publishers may set them.
    const times = [
      '2026-03-01T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
      '2026-05-01T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
    ];
    try {
      await legacy.runMigrations();
      for (const [n, time] of times.entries()) {
        await legacy.query(
          `INSERT INTO events (id, type, source, datacontenttype, time, correlation_id, metadata, recorded_at)
           VALUES (?, 'clock.tick', '/legacy', 'application/json', ?, ?, '{}', ?)`,
          [`legacy-${n}`, time, `legacy-${n}`, time],
        );
      }
    } finally {
      await legacy.destroy();
    }

    const api = await startTestApp(directory.path);
    try {
      const page = await getJson<{ events: { id: string }[] }>(
        api,
        '/events?since=2026-02-15T00:00:00Z',
      );
      expect(page.events.map(({ id }) => id)).toEqual(['legacy-0', 'legacy-2']);
    } finally {
      await api.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      expect(
        db
          .prepare(
            'SELECT time_high_water AS mark FROM events ORDER BY position',
          )
          .all(),
      ).toEqual([
        { mark: times[0] },
        { mark: times[0] },
        { mark: times[2] },
        { mark: times[2] },
      ]);
    } finally {
      db.close();
    }
  });
});
