import { DataSource, type DataSourceOptions } from 'typeorm';

// Any constant both instances agree on: the key of the session advisory lock on migrations.
const MIGRATION_LOCK_KEY = 7_316_011;

/**
 * Opens the writer's data source. On PostgreSQL, instances that start together take turns:
 * each runs the pending migrations while holding a session advisory lock, so the second one
 * finds them applied instead of racing the first one's CREATE TABLE. (SQLite: one process, and
 * TypeORM runs the migrations as it opens.)
 */
export async function openWriterDataSource(
  options: DataSourceOptions,
): Promise<DataSource> {
  const postgres = options.type === 'postgres';
  const dataSource = new DataSource(
    postgres ? { ...options, migrationsRun: false } : options,
  );
  await dataSource.initialize();
  if (!postgres) return dataSource;
  try {
    const lock = dataSource.createQueryRunner();
    await lock.connect();
    try {
      await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        await dataSource.runMigrations({ transaction: 'each' });
      } finally {
        await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
    } finally {
      await lock.release();
    }
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
  return dataSource;
}
