import { freePort } from './free-port.js';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { buildApp } from './app-build.js';
import {
  finished,
  spawnNode,
  type Finished,
  type NodeChild,
} from './child-process.js';
import { temporaryDirectory } from './test-app.js';

const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The built app running in a child process, on 127.0.0.1. */
export interface ChildApp extends NodeChild {
  port: number;
  baseUrl: string;
}

interface StartChildOptions {
  /** The built entry point, from buildApp(). */
  main: string;
  /** The SQLite file (DATABASE__PATH). */
  databasePath: string;
  /** Working directory of the process; a temporary one, so nothing is written to the repo. */
  cwd: string;
  /** More variables, e.g. EVENT__HANDLERS__SHUTDOWN_GRACE or CONFIG_FILE. */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

/**
 * Starts `node <main>` on 127.0.0.1 and a free port, configured through environment variables
 * only, and resolves once GET /health/live answers 200. A process that exits or is not ready
 * in time is killed and its output is in the error.
 */
async function startChild(options: StartChildOptions): Promise<ChildApp> {
  // The free port may be taken by someone else before the app binds it: try another one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startChildOnce(options);
    } catch (error) {
      if (attempt >= 3 || !(error as Error).message.includes('EADDRINUSE'))
        throw error;
    }
  }
}

async function startChildOnce({
  main,
  databasePath,
  cwd,
  env = {},
  readyTimeoutMs = 30_000,
}: StartChildOptions): Promise<ChildApp> {
  const port = await freePort();
  const child = spawnNode(main, [], {
    cwd,
    env: {
      DATABASE__PATH: databasePath,
      PORT: String(port),
      SERVER__HOST: '127.0.0.1',
      LOG__LEVEL: 'warn',
      LOG__PRETTY: 'false',
      // Nothing balances load in tests: SIGTERM need not wait for a balancer to notice.
      SERVER__SHUTDOWN_DELAY: '100ms',
      // Load from one address in a bounded loop is what these tests are about, as for the
      // in-process test apps; a test of the limiter itself sets it.
      RATE_LIMIT__LIMIT: '0',
      ...env,
    },
  });
  const app: ChildApp = {
    ...child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.hasExited()) {
      const status = await child.exited;
      throw new Error(
        `the app exited before it was ready (${JSON.stringify(status)}):\n${child.output()}`,
      );
    }
    try {
      const response = await fetch(`${app.baseUrl}/health/live`, {
        signal: AbortSignal.timeout(1_000),
      });
      await response.arrayBuffer();
      if (response.status === 200) return app;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await child.kill('SIGKILL');
      throw new Error(
        `the app was not ready after ${readyTimeoutMs}ms:\n${child.output()}`,
      );
    }
    await sleep(50);
  }
}

export interface ChildApps {
  /** The temporary directory the processes run in; removed after all tests. */
  readonly directory: string;
  /** `<directory>/events.db`, the database start() uses unless told otherwise. */
  readonly databasePath: string;
  /** Starts the built app and waits until it is live (see startChild). */
  start(
    options?: Partial<Pick<StartChildOptions, 'databasePath' | 'env'>>,
  ): Promise<ChildApp>;
  /**
   * Runs the built app without waiting for it to be ready, for a start that must fail: how it
   * ended and what it wrote. Killed by its PID after `timeoutMs`.
   */
  runToExit(env: Record<string, string>, timeoutMs?: number): Promise<Finished>;
}

/**
 * Child processes of the built app for the enclosing describe block. Builds the app once
 * (beforeAll) and gives the block a temporary directory. Every process it starts is killed by
 * its PID: one started in a test after that test, one started in beforeAll after all tests;
 * when a test fails, the output of every process started for it is printed with the failure.
 */
export function useChildApps({ buildTimeoutMs = 240_000 } = {}): ChildApps {
  const directory = temporaryDirectory();
  const databasePath = join(directory.path, 'events.db');
  const forAll = new Set<NodeChild>();
  const forTest = new Set<NodeChild>();
  let inTest = false;
  let main: string | undefined;

  const builtMain = () => {
    if (main === undefined)
      throw new Error(
        'the app is built in beforeAll: start it in a hook or test',
      );
    return main;
  };

  beforeAll(async () => {
    main = await buildApp();
  }, buildTimeoutMs);
  beforeEach(() => {
    inTest = true;
  });
  afterEach(async ({ task }) => {
    inTest = false;
    if (task.result?.state === 'fail') {
      for (const child of [...forAll, ...forTest])
        console.error(
          `output of the app process ${child.pid} (last 64 KiB):\n${child.output()}`,
        );
    }
    await stopAll(forTest);
  });
  afterAll(async () => {
    await stopAll(forAll);
    directory.cleanup();
  });

  return {
    directory: directory.path,
    databasePath,
    async start(options = {}) {
      const child = await startChild({
        main: builtMain(),
        databasePath: options.databasePath ?? databasePath,
        cwd: directory.path,
        env: options.env,
      });
      (inTest ? forTest : forAll).add(child);
      return child;
    },
    runToExit(env, timeoutMs) {
      const child = spawnNode(builtMain(), [], { cwd: directory.path, env });
      (inTest ? forTest : forAll).add(child);
      return finished(child, timeoutMs);
    },
  };
}

async function stopAll(children: Set<NodeChild>): Promise<void> {
  await Promise.all([...children].map((child) => child.kill('SIGKILL')));
  children.clear();
}
