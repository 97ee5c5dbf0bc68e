import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A `nats-server -js` of a test's own, on 127.0.0.1 and a free port, storing JetStream in a
 * temporary directory: stopped and started again by the test (same port, same store), always
 * by its PID, never touching the shared server.
 */
export interface OwnNatsServer {
  url: string;
  pid(): number | undefined;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for its exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store. */
  start(): Promise<void>;
  /** Stops it and removes its store. */
  dispose(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) killPid(child.pid, 'SIGKILL');
});

export async function startOwnNatsServer(): Promise<OwnNatsServer> {
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'nats-store-'));
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    output = '';
    const started = spawn(
      'nats-server',
      ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // A missing binary: reported by waitForPort, not as an unhandled 'error' event.
    started.once('error', (error) => (output += `${error.message}\n`));
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk));
    child = started;
    running.add(started);
    started.once('exit', () => running.delete(started));
    await waitForPort(port, started, () => output);
  };

  const stop = async () => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null)
      return;
    const exited = new Promise<void>((resolve) =>
      current.once('exit', () => resolve()),
    );
    killPid(current.pid, 'SIGTERM');
    const timer = setTimeout(() => killPid(current.pid, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    pid: () => child?.pid,
    stop,
    start,
    async dispose() {
      await stop();
      rmSync(store, { recursive: true, force: true });
    },
  };
}

function killPid(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once the port takes connections; at most 10 s. */
async function waitForPort(
  port: number,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.pid === undefined)
      throw new Error(`nats-server did not start: ${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  killPid(child.pid, 'SIGKILL');
  throw new Error(`nats-server did not listen on ${port}: ${output()}`);
}
