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
