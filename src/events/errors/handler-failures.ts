/**
 * Throw (or wrap a cause in) this from a handler when retrying cannot help, e.g. the event's
 * data can never be processed. The event is parked as a dead letter at once.
 */
export class PermanentFailure extends Error {
  readonly permanent = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentFailure';
  }
}

export class HandlerTimeoutError extends Error {
  constructor(subscription: string, timeoutMs: number) {
    super(
      `${subscription} did not finish within ${timeoutMs}ms and was aborted`,
    );
    this.name = 'HandlerTimeoutError';
  }
}

/** A failure marked permanent, by class or by a `permanent: true` property, is never retried. */
export function isPermanentFailure(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { permanent?: unknown }).permanent === true
  );
}

/**
 * Throw this from a handler when what it delivers to cannot be reached right now (a broker
 * restarting, say). The subscription pauses, outside the worker pool, until `whenAvailable`
 * resolves and then delivers the same events again: no attempt is counted and nothing is
 * parked, so an outage of any length delays events but never skips them.
 */
export class DependencyUnavailable extends Error {
  constructor(
    message: string,
    readonly whenAvailable: () => Promise<void>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DependencyUnavailable';
  }
}
