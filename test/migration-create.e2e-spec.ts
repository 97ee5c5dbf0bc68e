import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as prettier from 'prettier';
import { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectMigrations } from '../src/database/migration-collector.js';
import { temporaryDirectory } from './support/test-app.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(
  new URL('../scripts/create-migration.js', import.meta.url),
);
const COLUMN_TYPES = fileURLToPath(
  new URL('../src/database/column-types.ts', import.meta.url),
);

/** `npm run migration:create -- <args>`, writing into `root` instead of src/. */
function createMigration(root: string, ...args: string[]) {
  return run(process.execPath, [SCRIPT, ...args, '--root', root], {
    timeout: 10_000,
  });
}

describe('npm run migration:create', () => {
  // A source tree of its own, so the application's src/ (read by other tests) never changes.
  let directory: ReturnType<typeof temporaryDirectory>;
  let root: string;

  beforeEach(() => {
    directory = temporaryDirectory();
    root = join(directory.path, 'src');
    mkdirSync(join(root, 'database'), { recursive: true });
    copyFileSync(COLUMN_TYPES, join(root, 'database', 'column-types.ts'));
    mkdirSync(join(root, 'shipments'));
    mkdirSync(join(root, 'events', 'store'), { recursive: true });
  });
  afterEach(() => directory.cleanup());

  it("writes a migration named by the current time into the module's data/migrations, which the collector finds and TypeORM runs after the existing ones", async () => {
    const before = Date.now();
    await createMigration(root, 'shipments', 'create-shipments');
    const after = Date.now();

    const [file] = readdirSync(join(root, 'shipments', 'data', 'migrations'));
    const timestamp = Number(/^(\d{13})-create-shipments\.ts$/.exec(file)?.[1]);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(after);
    const path = join(root, 'shipments', 'data', 'migrations', file);
    const source = readFileSync(path, 'utf8');
    expect(source).toContain('columnTypes(queryRunner)');
    const style = await prettier.resolveConfig(COLUMN_TYPES);
    expect(await prettier.check(source, { ...style, filepath: path })).toBe(
      true,
    );

    const [generated] = await collectMigrations(root, '.ts');
    expect(generated.name).toBe(`CreateShipments${timestamp}`);

    const existing = await collectMigrations();
    const dataSource = new DataSource({
      type: 'better-sqlite3',
      database: join(directory.path, 'events.db'),
      migrations: [generated, ...existing],
      migrationsTransactionMode: 'each',
    });
    await dataSource.initialize();
    try {
      const ran = await dataSource.runMigrations();
      expect(ran.map(({ name }) => name)).toEqual([
        ...existing.map(({ name }) => name),
        `CreateShipments${timestamp}`,
      ]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('writes a migration of the event platform into the part that owns the tables', async () => {
    await createMigration(root, 'events/store', 'add-transaction-ids');

    const [generated] = await collectMigrations(root, '.ts');
    expect(generated.name).toMatch(/^AddTransactionIds\d{13}$/);
    expect(readdirSync(join(root, 'events', 'store', 'migrations'))).toEqual([
      `${generated.name.slice(-13)}-add-transaction-ids.ts`,
    ]);
  });

  it.each([
    ['a module that does not exist', ['billing', 'create-invoices'], 'billing'],
    [
      'a name that is not kebab-case',
      ['shipments', 'CreateShipments'],
      'CreateShipments',
    ],
    [
      'the event platform without its part',
      ['events', 'add-leases'],
      'events/store',
    ],
  ])('refuses %s, saying why, and writes nothing', async (_, args, why) => {
    await expect(createMigration(root, ...args)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(why),
    });

    expect(existsSync(join(root, 'shipments', 'data'))).toBe(false);
    expect(existsSync(join(root, 'billing'))).toBe(false);
    expect(existsSync(join(root, 'events', 'migrations'))).toBe(false);
    expect(await collectMigrations(root, '.ts')).toEqual([]);
  });
});
