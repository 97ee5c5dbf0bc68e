export class UnitTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(
      `unit of work did not finish within ${timeoutMs}ms and was rolled back`,
    );
    this.name = 'UnitTimeoutError';
  }
}

/** Rejects with UnitTimeoutError once `timeoutMs` passes (null: waits for `work` alone). */
export function withUnitTimeout<T>(
  work: Promise<T>,
  timeoutMs: number | null,
): Promise<T> {
  if (timeoutMs === null) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new UnitTimeoutError(timeoutMs)),
      timeoutMs,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
