import { execFile } from 'node:child_process';
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
