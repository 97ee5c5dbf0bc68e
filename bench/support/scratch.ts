import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Scratch {
  directory: string;
  /** A SQLite file of its own in the scratch directory. */
  databasePath(name?: string): string;
  cleanup(): void;
}

/** A temporary directory for one benchmark's SQLite files, removed on cleanup or exit. */
export function createScratch(name: string): Scratch {
  const directory = mkdtempSync(
    join(tmpdir(), `nest-event-starter-bench-${name}-`),
  );
  const cleanup = () => rmSync(directory, { recursive: true, force: true });
  process.once('exit', cleanup);
  return {
    directory,
    databasePath: (file = 'events') => join(directory, `${file}.db`),
    cleanup,
  };
}
