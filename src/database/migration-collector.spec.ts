import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  collectMigrations,
  InvalidMigrationError,
} from './migration-collector.js';

/** A migration file as a module would hold it, in a source tree of its own. */
function migrationSource(className: string): string {
  return `export class ${className} {
  async up() {}
  async down() {}
}
`;
}

describe('collectMigrations', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'migration-collector-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function write(path: string, source: string): void {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
  }

  it('finds every migrations folder, features and platform parts alike, and orders the migrations by timestamp across them', async () => {
    write(
      'shipments/data/migrations/1800000000002-create-shipments.ts',
      migrationSource('CreateShipments1800000000002'),
    );
    write(
      'events/store/migrations/1800000000003-add-leases.ts',
      migrationSource('AddLeases1800000000003'),
    );
    write(
      'users/data/migrations/1800000000001-create-users.ts',
      migrationSource('CreateUsers1800000000001'),
    );
    // Not in a migrations folder, or not a migration module: none of these is loaded.
    write(
      'users/data/1800000000004-create-users.ts',
      migrationSource('Stray1800000000004'),
    );
    write('users/data/migrations/helpers.d.ts', 'export {};\n');
    write('users/data/migrations/1800000000005-x.js', 'throw new Error();\n');

    const found = await collectMigrations(root, '.ts');

    expect(found.map((migration) => migration.name)).toEqual([
      'CreateUsers1800000000001',
      'CreateShipments1800000000002',
      'AddLeases1800000000003',
    ]);
  });

  it('refuses a file in a migrations folder that is not named <timestamp>-<name>, naming it', async () => {
    write(
      'users/data/migrations/create-users.ts',
      migrationSource('CreateUsers1800000000001'),
    );

    const collecting = collectMigrations(root, '.ts');

    await expect(collecting).rejects.toThrow(InvalidMigrationError);
    await expect(collecting).rejects.toThrow(
      join('users', 'data', 'migrations', 'create-users.ts'),
    );
  });

  it('refuses a class whose timestamp is not the one in its file name', async () => {
    write(
      'users/data/migrations/1800000000001-create-users.ts',
      migrationSource('CreateUsers1800000000002'),
    );

    await expect(collectMigrations(root, '.ts')).rejects.toThrow(
      InvalidMigrationError,
    );
  });

  it.each([
    ['no migration class', 'export const up = () => undefined;\n'],
    [
      'two migration classes',
      migrationSource('CreateUsers1800000000001') +
        migrationSource('AlsoUsers1800000000001'),
    ],
  ])('refuses a file that exports %s', async (_, source) => {
    write('users/data/migrations/1800000000001-create-users.ts', source);

    await expect(collectMigrations(root, '.ts')).rejects.toThrow(
      InvalidMigrationError,
    );
  });

  it('refuses two migrations with the same timestamp, whose order nothing would define', async () => {
    write(
      'users/data/migrations/1800000000001-create-users.ts',
      migrationSource('CreateUsers1800000000001'),
    );
    write(
      'orders/data/migrations/1800000000001-create-orders.ts',
      migrationSource('CreateOrders1800000000001'),
    );

    await expect(collectMigrations(root, '.ts')).rejects.toThrow(
      InvalidMigrationError,
    );
  });
});
