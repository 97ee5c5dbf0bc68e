import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import type { Database } from 'better-sqlite3';
import type { DatabaseConfig, StoreConfig } from '../config/app-config.js';

export interface StorageSettings {
  database: DatabaseConfig;
  store: StoreConfig;
}
import type { MigrationClass } from './migration-collector.js';
import { prepareSqliteConnection } from './sqlite-connection.js';
import { WRITER_CHECKPOINT_FALLBACK_PAGES } from './wal-checkpointer.js';

/** The SQLite file in use: database.path, or a throwaway file when event.store.enabled is false. */
export function sqlitePath(config: StorageSettings): string {
  if (config.store.enabled) return resolve(config.database.path);
  ephemeralPath ??= createEphemeralDatabase();
  return ephemeralPath;
}

let ephemeralPath: string | undefined;

function createEphemeralDatabase(): string {
  const directory = mkdtempSync(join(tmpdir(), 'nest-event-starter-'));
  process.once('exit', () =>
    rmSync(directory, { recursive: true, force: true }),
  );
  return join(directory, 'events.db');
}

/**
 * The writing connection: runs `migrations` (see collectMigrations) at start; the group-commit
 * writer is its only user.
 */
export function writerOptions(
  config: StorageSettings,
  migrations: MigrationClass[],
): TypeOrmModuleOptions {
  const common = {
    autoLoadEntities: true,
    synchronize: false,
    migrations,
    migrationsRun: true,
    migrationsTransactionMode: 'each' as const,
    logging: false,
  };
  if (config.store.driver === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: requireUrl(config),
      extra: { max: 4 },
    };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: sqlitePath(config),
    // Room for every statement the writer repeats, so a burst of one-off ones cannot evict them.
    statementCacheSize: 1000,
    prepareDatabase: (db: Database) =>
      prepareSqliteConnection(db, {
        synchronous: config.database.synchronous,
        // WalCheckpoints copies the WAL into the database file off the event loop.
        walAutocheckpointPages: WRITER_CHECKPOINT_FALLBACK_PAGES,
      }),
  };
}

/** The reading connection: sees committed data only (see READ_DATA_SOURCE). */
export function readerOptions(config: StorageSettings): TypeOrmModuleOptions {
  const common = { autoLoadEntities: true, synchronize: false, logging: false };
  if (config.store.driver === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: requireUrl(config),
      extra: { max: 8 },
    };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: sqlitePath(config),
    statementCacheSize: 200,
    prepareDatabase: (db: Database) =>
      prepareSqliteConnection(db, {
        synchronous: config.database.synchronous,
        readOnly: true,
      }),
  };
}

function requireUrl(config: StorageSettings): string {
  if (!config.database.url) {
    throw new Error(
      'database.url is required when event.store.driver is postgres',
    );
  }
  return config.database.url;
}
