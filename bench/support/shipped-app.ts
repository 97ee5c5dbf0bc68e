import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { monotonicMicros, type CpuMark } from './stats.js';
import { sleep } from './time.js';

export interface ShippedAppOptions {
  /** The built entry point, dist/main.js. */
  main: string;
  /** Working directory: where config.yaml is read from. */
  cwd: string;
  databasePath: string;
  /** Where the process's stdout (its JSON log lines) and stderr go. */
  logPath: string;
  logLevel: string;
  apiKey: string;
  label: string;
  execArgv?: string[];
  /** Further environment overrides, e.g. the PostgreSQL driver and URL. */
  env?: Record<string, string>;
}

/**
 * The application exactly as deployed: `node dist/main.js` with NODE_ENV=production, the
 * shipped config.yaml, and only environment overrides for what a deployment sets (port,
 * database file, one API key, JSON logs at the given level, a rate limit above the load).
 * Stopped by its PID: SIGTERM (the app's own graceful shutdown), then SIGKILL.
 */
export class ShippedApp {
  readonly pid: number;
  private readonly exited: Promise<unknown>;
  private alive = true;

  private constructor(
    child: ChildProcess,
    readonly base: string,
    readonly label: string,
    private readonly authorization: string,
  ) {
    if (child.pid === undefined) throw new Error(`${label} did not start`);
    this.pid = child.pid;
    this.exited = once(child, 'exit').then(() => (this.alive = false));
  }

  static async start(options: ShippedAppOptions): Promise<ShippedApp> {
    const port = await freePort();
    const log = openSync(options.logPath, 'a');
    const digest = createHash('sha256').update(options.apiKey).digest('hex');
    const child = spawn(
      process.execPath,
      [...(options.execArgv ?? []), options.main],
      {
        cwd: options.cwd,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          SERVER__HOST: '127.0.0.1',
          SERVER__PORT: String(port),
          DATABASE__PATH: options.databasePath,
          LOG__LEVEL: options.logLevel,
          LOG__PRETTY: 'false',
          SECURITY__API_KEYS: JSON.stringify([
            { name: 'bench', key_sha256: digest, roles: ['admin'] },
          ]),
          RATE_LIMIT__LIMIT: '1000000000',
          ...options.env,
        },
        stdio: ['ignore', log, log],
      },
    );
    closeSync(log);
    const app = new ShippedApp(
      child,
      `http://127.0.0.1:${port}`,
      options.label,
      `Bearer ${options.apiKey}`,
    );
    await app.waitUntilLive(60_000);
    return app;
  }

  get headers(): Record<string, string> {
    return { authorization: this.authorization };
  }

  cpuMark(): CpuMark {
    return processCpuMark(this.pid);
  }

  /** The log head and every subscription's position, from GET /events/stats. */
  async lag(): Promise<{ head: number; behind: number }> {
    const response = await fetch(`${this.base}/events/stats`, {
      headers: this.headers,
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`GET /events/stats: ${response.status}`);
    const stats = (await response.json()) as {
      head: number;
      subscriptions: { position: number; lag?: number }[];
    };
    // `lag` counts the events still to handle (on PostgreSQL by transaction id and position,
    // from the database); head - position is the same on SQLite, where log order is position.
    const behind = Math.max(
      0,
      ...stats.subscriptions.map((s) => s.lag ?? stats.head - s.position),
    );
    return { head: stats.head, behind };
  }

  /**
   * Polls GET /events/stats until every subscription has reached the head, or `timeoutMs`
   * passed: how long it took, and how many events were still behind then (0 when caught up).
   */
  async caughtUp(timeoutMs: number): Promise<{ ms: number; behind: number }> {
    const started = performance.now();
    let behind = 0;
    while (performance.now() - started < timeoutMs) {
      behind = (await this.lag()).behind;
      if (behind === 0) break;
      await sleep(100);
    }
    return { ms: Math.round(performance.now() - started), behind };
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    this.signal('SIGTERM');
    if (await this.exitedWithin(20_000)) return;
    this.signal('SIGKILL');
    await this.exitedWithin(5_000);
  }

  private async waitUntilLive(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`${this.label} exited during start`);
      try {
        const response = await fetch(`${this.base}/health/live`, {
          signal: AbortSignal.timeout(2_000),
        });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    await this.stop();
    throw new Error(`${this.label} not live within ${timeoutMs} ms`);
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal);
    } catch {
      // already gone
    }
  }

  private async exitedWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.exited,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
    return !this.alive;
  }
}

/** A port nothing listens on now, on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') {
    throw new Error('no port');
  }
  return address.port;
}

/** CPU time of process `pid` so far (from /proc), in the shape of stats.cpuMark(). */
export function processCpuMark(pid: number): CpuMark {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksToMicros = 1_000_000 / 100; // USER_HZ
  return {
    user: Number(fields[11]) * ticksToMicros,
    system: Number(fields[12]) * ticksToMicros,
    wall: monotonicMicros(),
  };
}
