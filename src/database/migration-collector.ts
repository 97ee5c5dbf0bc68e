// Migrations are collected, never listed. The convention (docs/migrations.md), which this file
// enforces at start:
//
// - Each module owns its migrations: a feature in `src/<module>/data/migrations/`, the event
//   platform in `src/events/<part>/migrations/` (store, webhooks, saga, retention). Every folder
//   named `migrations` under src/ is read, and nothing else.
// - One migration per file, named `<timestamp>-<kebab-name>.ts`, where the timestamp is
//   Date.now() when the file was written: `npm run migration:create -- <module> <name>` writes
//   one (scripts/create-migration.js). Migrations run in timestamp order, across all modules.
// - The file exports one class named `<PascalName><timestamp>`, with the file's timestamp.
//   TypeORM records each applied migration by that class name in the `migrations` table, so a
//   migration that has shipped is never renamed or renumbered: it would run a second time.
//
// Node has no glob import, so the folders are walked with fs and each file is imported: the
// compiled .js under dist/ in production, the .ts sources under Vitest (which compiles them on
// import). Which of the two is decided by where this file itself runs from.
import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MigrationInterface } from 'typeorm';

export type MigrationClass = new () => MigrationInterface;

/** A migration file has broken the convention above; the application does not start. */
export class InvalidMigrationError extends Error {
  override name = 'InvalidMigrationError';
}

const THIS_FILE = fileURLToPath(import.meta.url);
/** src/ under Vitest, dist/ once built: the folder above src/database. */
const APPLICATION_ROOT = dirname(dirname(THIS_FILE));
const FILE_NAME = /^(\d{13})-[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CLASS_NAME = /^[A-Z][A-Za-z0-9]*$/;

interface FoundMigration {
  file: string;
  timestamp: number;
  migration: MigrationClass;
}

/**
 * Every migration under `root`, in timestamp order. `extension` is that of the files to load
 * (.ts or .js); both default to where the application runs from.
 */
export async function collectMigrations(
  root = APPLICATION_ROOT,
  extension = extname(THIS_FILE),
): Promise<MigrationClass[]> {
  const files = await migrationFiles(root, extension);
  const found = await Promise.all(
    files.map((file) => load(root, file, extension)),
  );
  found.sort((a, b) => a.timestamp - b.timestamp);
  for (let i = 1; i < found.length; i++) {
    // Two migrations with one timestamp would run in an order nothing defines.
    if (found[i].timestamp === found[i - 1].timestamp) {
      throw new InvalidMigrationError(
        `${found[i - 1].file} and ${found[i].file} have the same timestamp; give the newer one a new timestamp before it is applied anywhere`,
      );
    }
  }
  return found.map(({ migration }) => migration);
}

async function migrationFiles(
  root: string,
  extension: string,
): Promise<string[]> {
  const entries = await readdir(root, { recursive: true });
  return entries
    .filter(
      (path) =>
        basename(dirname(path)) === 'migrations' &&
        path.endsWith(extension) &&
        !/\.(?:d|spec|test)\.[cm]?[jt]s$/.test(path),
    )
    .sort();
}

async function load(
  root: string,
  file: string,
  extension: string,
): Promise<FoundMigration> {
  const stem = basename(file, extension);
  const timestamp = FILE_NAME.exec(stem)?.[1];
  if (!timestamp) {
    throw new InvalidMigrationError(
      `${file} is in a migrations folder but is not named <13-digit timestamp>-<kebab-name>${extension}`,
    );
  }
  const exports = (await import(
    /* @vite-ignore */ pathToFileURL(join(root, file)).href
  )) as Record<string, unknown>;
  const classes = Object.values(exports).filter(isMigrationClass);
  if (classes.length !== 1) {
    throw new InvalidMigrationError(
      `${file} must export exactly one migration class (with up and down), found ${classes.length}`,
    );
  }
  const [migration] = classes;
  // Only the timestamp is checked against the file name: the words may differ, because the
  // class name is what the database remembers and a file can be renamed, a class cannot.
  if (!CLASS_NAME.test(migration.name) || !migration.name.endsWith(timestamp)) {
    throw new InvalidMigrationError(
      `${file} exports ${migration.name}; its class name must be <PascalName>${timestamp}`,
    );
  }
  return { file, timestamp: Number(timestamp), migration };
}

function isMigrationClass(value: unknown): value is MigrationClass {
  if (typeof value !== 'function') return false;
  const prototype = (value as { prototype?: Partial<MigrationInterface> })
    .prototype;
  return (
    typeof prototype?.up === 'function' && typeof prototype.down === 'function'
  );
}
