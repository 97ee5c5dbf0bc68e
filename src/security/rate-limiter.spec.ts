import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

function clock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => (now += ms),
  };
}

describe('RateLimiter', () => {
  it('admits `limit` requests per window and counts down what is left', () => {
    const time = clock();
    const limiter = new RateLimiter(3, 60_000, time.now);
    const remaining = [0, 1, 2].map((): number => {
      const decision = limiter.take('key:a');
      if (!decision.allowed) throw new Error('refused');
      return decision.remaining;
    });
    expect(remaining).toEqual([2, 1, 0]);
    expect(limiter.take('key:a')).toEqual({
      allowed: false,
      retryAfterSeconds: 60,
    });
    // Another caller has a budget of its own.
    expect(limiter.take('key:b').allowed).toBe(true);
  });

  it('slides: a request frees its place exactly one window after it was made', () => {
    const time = clock();
    const limiter = new RateLimiter(2, 10_000, time.now);
    expect(limiter.take('c').allowed).toBe(true);
    time.advance(6_000);
    const second = limiter.take('c');
    // The oldest counted request leaves the window in 4 s.
    expect(second).toMatchObject({
      allowed: true,
      remaining: 0,
      resetSeconds: 4,
    });
    time.advance(4_000);
    // The first request has just left the window; the second is still in it.
    expect(limiter.take('c')).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('blocks a caller over its limit for a whole window, whatever it retries meanwhile', () => {
    const time = clock();
    const limiter = new RateLimiter(1, 10_000, time.now);
    expect(limiter.take('d').allowed).toBe(true);
    expect(limiter.take('d')).toEqual({
      allowed: false,
      retryAfterSeconds: 10,
    });
    time.advance(9_500);
    expect(limiter.take('d')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    time.advance(500);
    expect(limiter.take('d').allowed).toBe(true);
  });

  it('keeps counting exactly past the compaction of its log', () => {
    const time = clock();
    const limiter = new RateLimiter(1_000, 1_000, time.now);
    let admitted = 0;
    // 5,000 requests, 10 per millisecond: 1,000 fit in any window, the 1,001st is refused.
    for (let i = 0; i < 5_000; i++) {
      if (i % 10 === 0) time.advance(1);
      if (limiter.take('e').allowed) admitted++;
      else break;
    }
    expect(admitted).toBe(1_000);
  });

  it('admits again as old requests expire, with a log that stays bounded', () => {
    const time = clock();
    const limiter = new RateLimiter(100, 1_000, time.now);
    // One request every 20 ms for 20 s: 50 per window, never refused.
    for (let i = 0; i < 1_000; i++) {
      time.advance(20);
      const decision = limiter.take('f');
      expect(decision.allowed).toBe(true);
      if (decision.allowed && i >= 50) expect(decision.remaining).toBe(50);
    }
  });

  it('forgets idle callers on sweep, but not blocked or active ones', () => {
    const time = clock();
    const limiter = new RateLimiter(1, 1_000, time.now);
    limiter.take('idle');
    time.advance(600);
    limiter.take('blocked');
    limiter.take('blocked');
    time.advance(400);
    limiter.take('active');
    limiter.sweep();
    expect(limiter.size).toBe(2);
    time.advance(1_000);
    limiter.sweep();
    expect(limiter.size).toBe(0);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new RateLimiter(0, 1_000)).toThrow(/positive integer/);
  });
});
