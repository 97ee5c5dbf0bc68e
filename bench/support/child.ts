import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface ChildMessage {
  id?: number;
  type: string;
  [key: string]: unknown;
}

export interface ChildOptions {
  env?: NodeJS.ProcessEnv;
  execArgv?: string[];
  /** Child output lines are prefixed with this label. */
  label: string;
}

/**
 * A Node.js child process with an IPC channel: request/response messages, and a stop that
 * escalates from a polite request to SIGTERM and SIGKILL, always addressed by PID.
 */
export class BenchChild {
  readonly pid: number;
  private nextId = 1;
  private readonly pending = new Map<number, (message: ChildMessage) => void>();
  private readonly waiters: {
    type: string;
    resolve: (message: ChildMessage) => void;
  }[] = [];
  private exited: Promise<void>;
  private alive = true;

  private constructor(private readonly child: ChildProcess) {
    if (child.pid === undefined) throw new Error('child did not start');
    this.pid = child.pid;
    this.exited = once(child, 'exit').then(() => {
      this.alive = false;
    });
    child.on('message', (raw) => this.receive(raw as ChildMessage));
  }

  static start(modulePath: string, options: ChildOptions): BenchChild {
    const child = fork(modulePath, [], {
      env: { ...process.env, ...options.env },
      execArgv: options.execArgv ?? [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) {
          if (line.trim()) process.stderr.write(`[${options.label}] ${line}\n`);
        }
      });
    }
    return new BenchChild(child);
  }

  get running(): boolean {
    return this.alive;
  }

  /** Waits for an unsolicited message of `type` (e.g. 'listening'). */
  async waitFor(type: string, timeoutMs: number): Promise<ChildMessage> {
    const message = new Promise<ChildMessage>((resolve) =>
      this.waiters.push({ type, resolve }),
    );
    return this.race(message, timeoutMs, `message ${type}`);
  }

  async request(
    type: string,
    timeoutMs: number,
    body: Record<string, unknown> = {},
  ): Promise<ChildMessage> {
    const id = this.nextId++;
    const reply = new Promise<ChildMessage>((resolve) =>
      this.pending.set(id, resolve),
    );
    this.child.send({ ...body, id, type });
    try {
      return await this.race(reply, timeoutMs, `reply to ${type}`);
    } finally {
      this.pending.delete(id);
    }
  }

  /**
   * Asks the child to shut down cleanly (so it can flush a CPU profile), then SIGTERM, then
   * SIGKILL, each after a grace period. Resolves once the process has exited.
   */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.alive) return;
    if (this.child.connected) this.child.send({ type: 'stop' });
    if (await this.exitedWithin(graceMs)) return;
    this.signal('SIGTERM');
    if (await this.exitedWithin(5_000)) return;
    this.signal('SIGKILL');
    await this.exitedWithin(5_000);
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal);
    } catch {
      // already gone
    }
  }

  private async exitedWithin(ms: number): Promise<boolean> {
    if (!this.alive) return true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.exited,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
    return !this.alive;
  }

  private receive(message: ChildMessage): void {
    if (message.id !== undefined) {
      this.pending.get(message.id)?.(message);
      return;
    }
    const index = this.waiters.findIndex((w) => w.type === message.type);
    if (index >= 0) this.waiters.splice(index, 1)[0].resolve(message);
  }

  private async race<T>(
    work: Promise<T>,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        work,
        this.exited.then(() => {
          throw new Error(`child ${this.pid} exited while waiting for ${what}`);
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(new Error(`no ${what} from child within ${timeoutMs}ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
