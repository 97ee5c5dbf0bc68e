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
