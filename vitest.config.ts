import { defineConfig } from 'vitest/config';
import { postgresAvailability } from './test/support/services.js';

/**
 * The core e2e files that run a second time on PostgreSQL (TEST_STORE=postgres: each app a
 * test boots gets a database of its own, see test/support/test-app.ts).
 */
const ON_POSTGRES_TOO = [
  'test/events.e2e-spec.ts',
  'test/fan-out.e2e-spec.ts',
  'test/replay.e2e-spec.ts',
  'test/users.e2e-spec.ts',
  'test/orders.e2e-spec.ts',
  'test/monitoring.e2e-spec.ts',
  'test/writer-transactions.e2e-spec.ts',
  'test/retention.e2e-spec.ts',
];

/**
 * Files that hold PostgreSQL transactions open on purpose (writers sleeping inside them,
 * instances killed mid-commit, connections cut). PostgreSQL's snapshot horizon is cluster-wide,
 * so while they run, events every other database commits stay invisible to readers a while
 * longer (as docs/postgresql.md says of long transactions): they run last, one at a time.
 */
const POSTGRES_ALONE = [
  'test/concurrent-writers.e2e-spec.ts',
  'test/cluster.e2e-spec.ts',
  'test/postgres-connection-loss.e2e-spec.ts',
];

export default defineConfig(async () => {
  // Skipped with the reason when PostgreSQL is down; under REQUIRE_SERVICES=1 this throws.
  const postgres = await postgresAvailability();
  if (!postgres.available)
    console.warn(
      `skipping the PostgreSQL run of the core files: ${postgres.reason}`,
    );
  return {
    // Nest's dependency injection reads constructor types from decorator metadata, so the
    // test transform must emit it exactly as tsc does for the build (Vite 8's Oxc does).
    oxc: {
      decorator: { legacy: true, emitDecoratorMetadata: true },
    },
    test: {
      testTimeout: 30_000,
      hookTimeout: 30_000,
      projects: [
        {
          extends: true,
          test: {
            name: 'sqlite',
            include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
            exclude: POSTGRES_ALONE,
          },
        },
        {
          extends: true,
          test: {
            name: 'postgres-alone',
            include: POSTGRES_ALONE,
            fileParallelism: false,
            sequence: { groupOrder: 1 },
          },
        },
        ...(postgres.available
          ? [
              {
                extends: true,
                test: {
                  name: 'postgres',
                  include: ON_POSTGRES_TOO,
                  env: { TEST_STORE: 'postgres' },
                },
              },
            ]
          : []),
      ],
    },
  };
});
