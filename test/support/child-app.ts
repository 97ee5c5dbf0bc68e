import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository root (where package.json and config.yaml live). */
export const REPO_ROOT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
);
export const CONFIG_FILE = join(REPO_ROOT, 'config.yaml');

// Builds live under node_modules so that the compiled files resolve the project's packages.
const BUILD_CACHE = join(REPO_ROOT, 'node_modules', '.cache', 'e2e-app-build');
const LOCK_STALE_MS = 180_000;
const LOCK_WAIT_MS = 170_000;
// Builds unused for this long are removed (each run marks the one it uses).
const STALE_BUILD_MS = 3600_000;

const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Compiles src/ exactly as `nest build` does (tsc with tsconfig.build.json) into a private
 * directory named after a hash of the sources, and returns its main.js. Test files running at
 * the same time share one build (a lock directory serialises them), and none of them touches
 * dist/, which `nest build` deletes and rewrites.
 */
export async function buildApp(): Promise<string> {
  const outDir = join(BUILD_CACHE, sourceHash());
  const main = join(outDir, 'main.js');
  const complete = join(outDir, '.complete');
  if (existsSync(complete)) return markUsed(outDir, main);

  mkdirSync(BUILD_CACHE, { recursive: true });
  const lock = join(BUILD_CACHE, 'build.lock');
  await acquireLock(lock);
  try {
    if (existsSync(complete)) return markUsed(outDir, main);
    const staging = `${outDir}.staging-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      await promisify(execFile)(
        process.execPath,
        [tsc, '-p', 'tsconfig.build.json', '--outDir', staging],
        { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 },
      );
    } catch (error) {
      // tsc emits JavaScript despite type errors; only a missing entry point is fatal.
      if (!existsSync(join(staging, 'main.js'))) throw error;
      const { stdout } = error as { stdout?: string };
      console.warn(`tsc reported errors while building the app:\n${stdout}`);
    }
    rmSync(outDir, { recursive: true, force: true });
    renameSync(staging, outDir);
    writeFileSync(complete, new Date().toISOString());
    pruneOldBuilds(outDir);
    return main;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function markUsed(outDir: string, main: string): string {
  const now = new Date();
  utimesSync(outDir, now, now);
  return main;
}

function sourceHash(): string {
  const hash = createHash('sha256');
  const files: string[] = [];
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
        files.push(path);
    }
  };
  walk(join(REPO_ROOT, 'src'));
  files.push(
    join(REPO_ROOT, 'package.json'),
    join(REPO_ROOT, 'tsconfig.json'),
    join(REPO_ROOT, 'tsconfig.build.json'),
  );
  for (const file of files.sort()) {
    hash.update(relative(REPO_ROOT, file));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

async function acquireLock(lock: string): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    try {
      if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS)
        rmSync(lock, { recursive: true, force: true });
    } catch {
      // Released meanwhile.
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for the build lock ${lock}`);
    await sleep(200);
  }
}

function pruneOldBuilds(keep: string): void {
  for (const entry of readdirSync(BUILD_CACHE)) {
    const path = join(BUILD_CACHE, entry);
    if (path === keep || entry === 'build.lock') continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_BUILD_MS)
        rmSync(path, { recursive: true, force: true });
    } catch {
      // Removed by someone else.
    }
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildApp {
  pid: number;
  port: number;
  baseUrl: string;
  process: ChildProcess;
  /** Settles when the process has exited. */
  exited: Promise<ExitStatus>;
  hasExited(): boolean;
  /** The last 64 KiB the process wrote to stdout and stderr. */
  output(): string;
  /** Sends `signal` to the process by its PID (if still running) and waits for its exit. */
  kill(signal: NodeJS.Signals, timeoutMs?: number): Promise<ExitStatus>;
}

const running = new Set<ChildApp>();
const OUTPUT_LIMIT = 64 * 1024;

// Should the test process end abruptly, its children do not outlive it.
process.once('exit', () => {
  for (const child of running) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

export interface StartChildOptions {
  main: string;
  /** The SQLite file (DATABASE__PATH). */
  databasePath: string;
  /** Working directory of the process; a temporary one, so nothing is written to the repo. */
  cwd: string;
  /** More variables, e.g. EVENT__HANDLERS__SHUTDOWN_GRACE. */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

/**
 * Starts `node <main>` on 127.0.0.1 and a free port, configured through environment variables
 * only (a clean environment: nothing of the test runner's leaks in), and resolves once
 * GET /health/live answers 200.
 */
export async function startChild(
  options: StartChildOptions,
): Promise<ChildApp> {
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
  const child = spawn(process.execPath, [main], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? cwd,
      CONFIG_FILE,
      DATABASE__PATH: databasePath,
      PORT: String(port),
      SERVER__HOST: '127.0.0.1',
      LOG__LEVEL: 'warn',
      LOG__PRETTY: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exitStatus: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      exitStatus = { code, signal };
      resolve(exitStatus);
    });
    child.once('error', (error) => {
      collect(Buffer.from(`spawn error: ${error.message}\n`));
      exitStatus ??= { code: null, signal: null };
      resolve(exitStatus);
    });
  });

  const handle: ChildApp = {
    pid: child.pid as number,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    process: child,
    exited,
    hasExited: () => exitStatus !== undefined,
    output: () => output,
    async kill(signal, timeoutMs = 20_000) {
      if (exitStatus === undefined) {
        try {
          process.kill(handle.pid, signal);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
        }
      }
      const status = await Promise.race([exited, sleep(timeoutMs)]);
      if (status) return status;
      try {
        process.kill(handle.pid, 'SIGKILL');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
      return exited;
    },
  };
  running.add(handle);
  void exited.then(() => running.delete(handle));

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exitStatus) {
      throw new Error(
        `the app exited before it was ready (${JSON.stringify(exitStatus)}):\n${output}`,
      );
    }
    try {
      const response = await fetch(`${handle.baseUrl}/health/live`, {
        signal: AbortSignal.timeout(1_000),
      });
      await response.arrayBuffer();
      if (response.status === 200) return handle;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await handle.kill('SIGKILL');
      throw new Error(
        `the app was not ready after ${readyTimeoutMs}ms:\n${output}`,
      );
    }
    await sleep(50);
  }
}

/** SIGKILLs, by PID, every child process this file started that is still running. */
export async function killAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.kill('SIGKILL')));
}

export interface HttpResult {
  status: number;
  body: any;
  headers: Headers;
}

/** One JSON request over real HTTP; rejects on network errors and after `timeoutMs`. */
export async function httpJson(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<HttpResult> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: kept as text.
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

export interface LoadOptions {
  /** Requests in flight at once. */
  concurrency: number;
  /** Prefix of the client-chosen event ids (and user emails). */
  prefix: string;
  type: string;
  /** Checked before every request; true stops the load. */
  stop(): boolean;
  maxRequests: number;
  maxDurationMs: number;
  /** Every n-th request registers a user instead of publishing an event; 0 never. */
  userEvery?: number;
}

export interface LoadResult {
  /** Event ids answered 201 or 200. */
  acknowledged: string[];
  /** Event ids answered 503. */
  refused: string[];
  /** The 503 answers (users included): Retry-After header and body. */
  refusals: { retryAfter: string | null; body: unknown }[];
  /** Event ids whose request got no answer (connection lost, timeout). */
  unanswered: string[];
  /** Why requests got no answer: error code (or message) and how often. */
  networkErrors: Map<string, number>;
  /** Ids of users answered 201. */
  users: string[];
  /** Any other answer: `<status> <body>`. */
  unexpected: string[];
}

/** Publishes `type` events (and registers users) with client-chosen ids until told to stop. */
export async function runLoad(
  baseUrl: string,
  options: LoadOptions,
): Promise<LoadResult> {
  const result: LoadResult = {
    acknowledged: [],
    refused: [],
    refusals: [],
    unanswered: [],
    networkErrors: new Map(),
    users: [],
    unexpected: [],
  };
  const deadline = Date.now() + options.maxDurationMs;
  let next = 0;
  const worker = async () => {
    while (
      !options.stop() &&
      next < options.maxRequests &&
      Date.now() < deadline
    ) {
      const n = next++;
      const id = `${options.prefix}-${n}`;
      const registersUser =
        options.userEvery !== undefined &&
        options.userEvery > 0 &&
        n % options.userEvery === 0;
      try {
        const answer: HttpResult = registersUser
          ? await httpJson(baseUrl, 'POST', '/users', {
              email: `${id}@example.com`,
              name: id,
            })
          : await httpJson(baseUrl, 'POST', '/events', {
              id,
              type: options.type,
              data: { n },
            });
        if (answer.status === 503) {
          result.refusals.push({
            retryAfter: answer.headers.get('retry-after'),
            body: answer.body,
          });
        }
        if (registersUser) {
          if (answer.status === 201) result.users.push(answer.body.id);
          else if (answer.status !== 503)
            result.unexpected.push(
              `${answer.status} ${JSON.stringify(answer.body)}`,
            );
        } else if (answer.status === 201 || answer.status === 200) {
          if (answer.body?.id !== id)
            result.unexpected.push(
              `ack for ${id}: ${JSON.stringify(answer.body)}`,
            );
          result.acknowledged.push(id);
        } else if (answer.status === 503) {
          result.refused.push(id);
        } else {
          result.unexpected.push(
            `${answer.status} ${JSON.stringify(answer.body)}`,
          );
        }
      } catch (error) {
        const reason = networkErrorCode(error);
        result.networkErrors.set(
          reason,
          (result.networkErrors.get(reason) ?? 0) + 1,
        );
        if (!registersUser) result.unanswered.push(id);
        await sleep(5);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return result;
}

function networkErrorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })
    .cause;
  return (
    cause?.code ?? cause?.message ?? (error as Error).name ?? String(error)
  );
}

/** Every item of a keyset-paginated listing (`after` = the previous page's `next`). */
export async function walkPages<T>(
  baseUrl: string,
  path: string,
  key: string,
  maxPages = 1_000,
): Promise<T[]> {
  const items: T[] = [];
  let after: number | string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const separator = path.includes('?') ? '&' : '?';
    const url =
      after === null
        ? `${path}${separator}limit=1000`
        : `${path}${separator}limit=1000&after=${after}`;
    const answer = await httpJson(baseUrl, 'GET', url);
    if (answer.status !== 200)
      throw new Error(
        `GET ${url}: ${answer.status} ${JSON.stringify(answer.body)}`,
      );
    items.push(...(answer.body[key] as T[]));
    after = answer.body.next;
    if (after === null) return items;
  }
  throw new Error(`GET ${path}: more than ${maxPages} pages`);
}

/** Polls /events/stats until every subscription's lag is 0; returns those stats. */
export async function waitForCatchUp(
  baseUrl: string,
  timeoutMs = 60_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const answer = await httpJson(baseUrl, 'GET', '/events/stats');
    last = answer.body;
    if (
      answer.status === 200 &&
      answer.body.subscriptions.every(
        (subscription: { lag: number }) => subscription.lag === 0,
      )
    )
      return answer.body;
    await sleep(100);
  }
  throw new Error(
    `subscriptions did not catch up within ${timeoutMs}ms: ${JSON.stringify(last)}`,
  );
}

/** A seeded generator (mulberry32), so a failing run can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
