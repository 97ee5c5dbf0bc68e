import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real storage faults for tests: `chattr +i` makes a file immutable, so writes to it fail with
 * EPERM even for root (SQLite reports SQLITE_IOERR or SQLITE_READONLY), and a small tmpfs fills
 * up for real (SQLITE_FULL). Both need root; elsewhere the tests skip with the reason, unless
 * REQUIRE_SERVICES=1 (CI), where a missing capability fails them.
 */
export function faultInjection(): { available: boolean; reason: string } {
  const directory = mkdtempSync(join(tmpdir(), 'fault-check-'));
  const file = join(directory, 'probe');
  try {
    writeFileSync(file, '');
    execFileSync('chattr', ['+i', file], { stdio: 'pipe' });
    execFileSync('chattr', ['-i', file], { stdio: 'pipe' });
    return { available: true, reason: '' };
  } catch (error) {
    const reason = `chattr +i unavailable (needs root on ext4): ${(error as Error).message}`;
    if (process.env.REQUIRE_SERVICES === '1')
      throw new Error(reason, { cause: error });
    return { available: false, reason };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

export function setImmutable(path: string, immutable: boolean): void {
  execFileSync('chattr', [immutable ? '+i' : '-i', path], { stdio: 'pipe' });
}

/** Runs `work` with `path` immutable, and always makes it writable again. */
export async function whileImmutable<T>(
  path: string,
  work: () => Promise<T>,
): Promise<T> {
  setImmutable(path, true);
  try {
    return await work();
  } finally {
    setImmutable(path, false);
  }
}

/** A tmpfs of `sizeBytes` mounted at a new directory; `unmount` removes it. */
export function smallFilesystem(sizeBytes: number): {
  path: string;
  unmount(): void;
} {
  const path = mkdtempSync(join(tmpdir(), 'small-fs-'));
  execFileSync(
    'mount',
    ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', path],
    {
      stdio: 'pipe',
    },
  );
  return {
    path,
    unmount() {
      execFileSync('umount', ['-l', path], { stdio: 'pipe' });
      rmSync(path, { recursive: true, force: true });
    },
  };
}

export function smallFilesystems(): { available: boolean; reason: string } {
  try {
    smallFilesystem(1 << 20).unmount();
    return { available: true, reason: '' };
  } catch (error) {
    const reason = `mount -t tmpfs unavailable (needs root): ${(error as Error).message}`;
    if (process.env.REQUIRE_SERVICES === '1')
      throw new Error(reason, { cause: error });
    return { available: false, reason };
  }
}
