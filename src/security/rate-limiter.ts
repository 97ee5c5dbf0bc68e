/** What one request costs against its caller's budget. */
export type RateDecision =
  | {
      allowed: true;
      limit: number;
      /** Requests left in the window after this one. */
      remaining: number;
      /** Seconds until the oldest counted request leaves the window (one more is free then). */
      resetSeconds: number;
    }
  | { allowed: false; retryAfterSeconds: number };

/**
 * One caller's requests of the last window, as their expiry times in arrival order: a queue
 * whose head moves forward as requests expire, so counting is O(1) amortised however high the
 * limit (a sliding log that filters every hit on every request costs the whole log each time).
 */
interface CallerWindow {
  expiries: number[];
  head: number;
  blockedUntil: number;
}

/**
 * At most `limit` requests in any `windowMs` for each caller (a sliding log: exact, no burst at
 * a window's edge). The request over the limit is refused and blocks its caller for a whole
 * window, so a client that ignores Retry-After gains nothing by retrying. In memory, per
 * process; callers idle for a window are forgotten by `sweep()`.
 */
export class RateLimiter {
  private readonly callers = new Map<string, CallerWindow>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`the rate limit must be a positive integer: ${limit}`);
  }

  /** Counts one request of `caller` unless it is over its budget. */
  take(caller: string): RateDecision {
    const now = this.now();
    let window = this.callers.get(caller);
    if (window === undefined) {
      window = { expiries: [], head: 0, blockedUntil: 0 };
      this.callers.set(caller, window);
    }
    if (window.blockedUntil > now) {
      return {
        allowed: false,
        retryAfterSeconds: seconds(window.blockedUntil - now),
      };
    }
    dropExpired(window, now);
    const counted = window.expiries.length - window.head;
    if (counted >= this.limit) {
      window.blockedUntil = now + this.windowMs;
      window.expiries = [];
      window.head = 0;
      return { allowed: false, retryAfterSeconds: seconds(this.windowMs) };
    }
    window.expiries.push(now + this.windowMs);
    return {
      allowed: true,
      limit: this.limit,
      remaining: this.limit - counted - 1,
      resetSeconds: seconds(window.expiries[window.head] - now),
    };
  }

  /** Forgets callers with nothing in their window and no block: memory follows active callers. */
  sweep(): void {
    const now = this.now();
    for (const [caller, window] of this.callers) {
      dropExpired(window, now);
      if (window.blockedUntil <= now && window.head === window.expiries.length)
        this.callers.delete(caller);
    }
  }

  /** Callers currently remembered. */
  get size(): number {
    return this.callers.size;
  }
}

function dropExpired(window: CallerWindow, now: number): void {
  const { expiries } = window;
  let head = window.head;
  while (head < expiries.length && expiries[head] <= now) head++;
  // Compact once the expired prefix is half the array: each entry is copied at most once more.
  if (head > 64 && head * 2 > expiries.length) {
    window.expiries = expiries.slice(head);
    head = 0;
  }
  window.head = head;
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
