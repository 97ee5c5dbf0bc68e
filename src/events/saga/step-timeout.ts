import { SagaStepTimeoutError } from './saga.errors.js';

/**
 * Runs `work` with its own AbortSignal, aborted (and the returned promise rejected) after
 * `timeoutMs` or when `parent` aborts. Work that ignores the signal keeps running but can no
 * longer affect the saga: its outcome is no longer awaited.
 */
export async function withStepTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  parent: AbortSignal | undefined,
  describe: { saga: string; step: string },
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onParentAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    const stop = (reason: unknown) => {
      controller.abort(reason);
      reject(reason instanceof Error ? reason : new Error(String(reason)));
    };
    timer = setTimeout(
      () =>
        stop(new SagaStepTimeoutError(describe.saga, describe.step, timeoutMs)),
      timeoutMs,
    );
    if (parent) {
      onParentAbort = () => stop(parent.reason);
      if (parent.aborted) onParentAbort();
      else parent.addEventListener('abort', onParentAbort, { once: true });
    }
  });
  try {
    return await Promise.race([work(controller.signal), stopped]);
  } finally {
    clearTimeout(timer);
    if (onParentAbort) parent?.removeEventListener('abort', onParentAbort);
  }
}
