import { defineConfig } from 'vitest/config';

// Nest's dependency injection reads constructor types from decorator metadata, so the
// test transform must emit it exactly as tsc does for the build (Vite 8's Oxc does).
export default defineConfig({
  oxc: {
    decorator: { legacy: true, emitDecoratorMetadata: true },
  },
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
