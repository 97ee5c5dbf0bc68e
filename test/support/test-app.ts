import { createTestDatabase } from './services.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createApp, type CreateAppOptions } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/config.loader.js';

export type ConfigOverrides = Record<string, unknown>;

export interface TestApp {
  app: NestFastifyApplication;
  /** The SQLite file, kept between restart() calls. */
  databasePath: string;
  request(options: InjectOptions): Promise<TestResponse>;
  /** Closes the application (graceful shutdown) and boots a new one on the same database file. */
  restart(overrides?: ConfigOverrides): Promise<void>;
  close(): Promise<void>;
}

export interface InjectOptions {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
}

export interface TestResponse {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
  json<T = any>(): T;
}

/** A fresh directory per test file; removed by cleanup(). */
export function temporaryDirectory(): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), 'nest-event-starter-test-'));
  return {
    path,
    cleanup: () => rmSync(path, { recursive: true, force: true }),
  };
}

/**
 * Boots the real application (same factory as `npm start`) on a SQLite file in `directory`.
 * Requests go through Fastify's inject: the full HTTP pipeline without a socket.
 */
export async function startTestApp(
  directory: string,
  overrides: ConfigOverrides = {},
  options: CreateAppOptions = {},
): Promise<TestApp> {
  const databasePath = join(directory, 'events.db');
  const postgres = await postgresForThisRun(overrides);
  if (postgres)
    overrides = deepMerge(overrides, {
      event: { store: { driver: 'postgres' } },
      database: { url: postgres.url },
    });
  const configFor = (extra: ConfigOverrides) =>
    loadConfig({
      env: {},
      overrides: deepMerge(
        deepMerge(
          {
            database: { path: databasePath },
            log: { level: 'silent', pretty: false },
            // Tests drive far more requests than a client's budget; rate-limit tests set one.
            rate_limit: { limit: 0 },
          },
          overrides,
        ),
        extra,
      ),
    });

  const boot = async (extra: ConfigOverrides) => {
    const app = await createApp(configFor(extra), options);
    try {
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
    } catch (error) {
      // A refused start still opened the database: close what was opened.
      await app.close().catch(() => undefined);
      throw error;
    }
    return app;
  };

  let app = await boot({});
  let closed = false;
  const handle: TestApp = {
    get app() {
      return app;
    },
    databasePath,
    async request({ method, url, payload, headers }) {
      const response = await app.inject({
        method,
        url,
        payload: payload as string | object | undefined,
        headers,
      });
      return response as unknown as TestResponse;
    },
    async restart(extra = {}) {
      await app.close();
      app = await boot(extra);
      closed = false;
    },
    // Closing twice is harmless, so a test may close the app and its hook close it again.
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await postgres?.drop();
    },
  };
  return handle;
}

/**
 * TEST_STORE=postgres runs the same test files against PostgreSQL: each app a test boots gets
 * a database of its own, dropped when it closes. A test that chose its store keeps it.
 */
async function postgresForThisRun(
  overrides: ConfigOverrides,
): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  if (process.env.TEST_STORE !== 'postgres') return undefined;
  const store = (overrides.event as { store?: { driver?: string } } | undefined)
    ?.store;
  if (store?.driver !== undefined) return undefined;
  return createTestDatabase();
}

/** The app of a describe block (useTestApp), with the temporary directory it runs in. */
export interface SharedTestApp extends TestApp {
  readonly directory: string;
}

/**
 * One app for the enclosing describe block: booted with startTestApp on a fresh temporary
 * directory before all its tests, closed and the directory removed after them. The answer
 * stands for that app in tests and hooks (declare further beforeAll/afterAll after this call:
 * they run after the boot and before the close).
 */
export function useTestApp(
  overrides: ConfigOverrides = {},
  options: CreateAppOptions = {},
): SharedTestApp {
  const directory = temporaryDirectory();
  let booted: TestApp | undefined;
  const current = (): TestApp => {
    if (booted === undefined)
      throw new Error('the app boots in beforeAll: use it in hooks and tests');
    return booted;
  };

  beforeAll(async () => {
    booted = await startTestApp(directory.path, overrides, options);
  });
  afterAll(async () => {
    await booted?.close();
    directory.cleanup();
  });

  return {
    directory: directory.path,
    get app() {
      return current().app;
    },
    get databasePath() {
      return current().databasePath;
    },
    request: (inject) => current().request(inject),
    restart: (extra) => current().restart(extra),
    close: () => current().close(),
  };
}

export interface PerTestApps {
  /**
   * Boots an app in the running test, on the test's temporary directory: a second boot in the
   * same test finds the files of the first, as a restart would.
   */
  boot(
    overrides?: ConfigOverrides,
    options?: CreateAppOptions,
  ): Promise<TestApp>;
  /** The running test's temporary directory, created on first use. */
  directory(): string;
}

/**
 * Apps that tests of the enclosing describe block boot themselves, each with its own settings.
 * After each test, every app it booted is closed and its directory removed (declare further
 * afterEach hooks after this call: they run before the close).
 */
export function usePerTestApp(): PerTestApps {
  let directory: ReturnType<typeof temporaryDirectory> | undefined;
  const booted: TestApp[] = [];
  const path = () => (directory ??= temporaryDirectory()).path;

  afterEach(async () => {
    let failure: unknown;
    for (const app of booted.splice(0).reverse())
      await app.close().catch((error: unknown) => (failure ??= error));
    directory?.cleanup();
    directory = undefined;
    if (failure !== undefined) throw failure;
  });

  return {
    async boot(overrides = {}, options = {}) {
      const app = await startTestApp(path(), overrides, options);
      booted.push(app);
      return app;
    },
    directory: path,
  };
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 5_000, intervalMs = 20, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`, {
    cause: lastError,
  });
}

/** `source` merged into `target`, object by object (arrays and other values replace). */
export function deepMerge(
  target: ConfigOverrides,
  source: ConfigOverrides,
): ConfigOverrides {
  const result: ConfigOverrides = { ...target };
  for (const [key, value] of Object.entries(source)) {
    const existing = result[key];
    result[key] =
      isObject(value) && isObject(existing)
        ? deepMerge(existing, value)
        : value;
  }
  return result;
}

function isObject(value: unknown): value is ConfigOverrides {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
