import type { RetryPolicy } from './subscription-definition.js';

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries of
 * many subscriptions failing together (a database blip) spread out instead of stampeding.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  failedAttempt: number,
  random = Math.random,
): number {
  const exponential = Math.min(
    policy.maxDelayMs,
    policy.delayMs * 2 ** (failedAttempt - 1),
  );
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
