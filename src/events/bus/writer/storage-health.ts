import { publicError } from '../../../common/errors/public-error.js';

export interface StorageFault {
  /** What the database said, without server paths. */
  cause: string;
  /** The driver's error code (SQLITE_IOERR_WRITE, 53100, ...), when it gave one. */
  code: string | null;
  /** When writes started failing (ISO-8601 UTC). */
  since: string;
}

/**
 * Whether the writer can write. A commit that fails for a storage reason marks it faulted;
 * the next commit that succeeds (traffic, or the writer's own probe) clears it. Readiness,
 * publishers and paused subscriptions read and wait on this.
 */
export class StorageHealth {
  private fault: StorageFault | null = null;
  private waiters: (() => void)[] = [];

  get current(): StorageFault | null {
    return this.fault;
  }

  get healthy(): boolean {
    return this.fault === null;
  }

  markFaulted(error: unknown): void {
    if (this.fault) return;
    this.fault = {
      cause: publicError(error),
      code: codeOf(error),
      since: new Date().toISOString(),
    };
  }

  markHealthy(): void {
    if (!this.fault) return;
    this.fault = null;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves at once when healthy, else when a commit succeeds again. */
  whenHealthy(): Promise<void> {
    if (!this.fault) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

function codeOf(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const driverError = (current as { driverError?: unknown }).driverError;
    current = driverError ?? (current as { cause?: unknown }).cause;
  }
  return null;
}
