import { spawn, type ChildProcess } from 'node:child_process';
import { CONFIG_FILE } from './app-build.js';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A Node.js process a test started: addressed by its PID, its output kept for the failure. */
export interface NodeChild {
  pid: number;
  process: ChildProcess;
  /** Settles when the process has exited and its output is read to the end. */
  exited: Promise<ExitStatus>;
  /** True once the process has exited (its PID may belong to another process by then). */
  hasExited(): boolean;
  /** The last 64 KiB the process wrote to stdout and stderr, interleaved. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /**
   * Sends `signal` to the process by its PID (if still running) and waits for its exit; after
   * `timeoutMs` it sends SIGKILL.
   */
  kill(signal: NodeJS.Signals, timeoutMs?: number): Promise<ExitStatus>;
}

export interface SpawnNodeOptions {
  /** Working directory; a temporary one, so nothing is written to the repository. */
  cwd: string;
  /**
   * Variables on top of a clean environment (PATH, HOME and the project's CONFIG_FILE):
   * nothing of the test runner's environment leaks in.
   */
  env?: Record<string, string>;
}

const OUTPUT_LIMIT = 64 * 1024;
const running = new Set<NodeChild>();

// Should the test process end abruptly, its children do not outlive it.
process.once('exit', () => {
  for (const child of running)
    if (!child.hasExited()) signalPid(child.pid, 'SIGKILL');
});

const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `process.kill(pid)`, where a process that is gone already (or never started) is no error. */
function signalPid(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Starts `node <script> ...args`; whoever starts it stops it with kill(). */
export function spawnNode(
  script: string,
  args: string[],
  { cwd, env = {} }: SpawnNodeOptions,
): NodeChild {
  const child = spawn(process.execPath, [script, ...args], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? cwd,
      CONFIG_FILE,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const texts = { output: '', stdout: '', stderr: '' };
  const keep = (key: keyof typeof texts, text: string) => {
    texts[key] += text;
    if (texts[key].length > OUTPUT_LIMIT)
      texts[key] = texts[key].slice(-OUTPUT_LIMIT);
  };
  const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    keep(stream, text);
    keep('output', text);
  };
  child.stdout?.on('data', collect('stdout'));
  child.stderr?.on('data', collect('stderr'));
  let exitStatus: ExitStatus | undefined;
  // Once it has exited, its PID may be given to another process: never signal it again.
  let gone = false;
  child.once('exit', () => (gone = true));
  // 'close' comes after 'exit' once stdout and stderr are drained: the output is complete.
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('close', (code, signal) => {
      exitStatus = { code, signal };
      resolve(exitStatus);
    });
    child.once('error', (error) => {
      keep('output', `spawn error: ${error.message}\n`);
      exitStatus ??= { code: null, signal: null };
      resolve(exitStatus);
    });
  });

  const handle: NodeChild = {
    pid: child.pid as number,
    process: child,
    exited,
    hasExited: () => gone || exitStatus !== undefined,
    output: () => texts.output,
    stdout: () => texts.stdout,
    stderr: () => texts.stderr,
    async kill(signal, timeoutMs = 20_000) {
      if (!handle.hasExited()) signalPid(handle.pid, signal);
      const status = await Promise.race([exited, sleep(timeoutMs)]);
      if (status) return status;
      if (!handle.hasExited()) signalPid(handle.pid, 'SIGKILL');
      return exited;
    },
  };
  if (child.pid !== undefined) {
    running.add(handle);
    void exited.then(() => running.delete(handle));
  }
  return handle;
}

export type Finished = ExitStatus & {
  output: string;
  stdout: string;
  stderr: string;
};

/**
 * Waits for `child` to end and answers how it ended and what it wrote; after `timeoutMs` it is
 * killed by its PID (and the answer says SIGKILL).
 */
export async function finished(
  child: NodeChild,
  timeoutMs = 20_000,
): Promise<Finished> {
  const timer = setTimeout(() => void child.kill('SIGKILL'), timeoutMs);
  try {
    const status = await child.exited;
    return {
      ...status,
      output: child.output(),
      stdout: child.stdout(),
      stderr: child.stderr(),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `node <script> ...args` to its end (see finished()). */
export function runNode(
  script: string,
  args: string[],
  options: SpawnNodeOptions & { timeoutMs?: number },
): Promise<Finished> {
  return finished(spawnNode(script, args, options), options.timeoutMs);
}
