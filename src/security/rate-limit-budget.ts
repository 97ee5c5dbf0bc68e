import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TooManyRequestsError } from '../common/errors/domain-error.js';
import type { AppConfig } from '../config/app-config.js';
import { RateLimiter } from './rate-limiter.js';

/** The X-RateLimit-* headers of an admitted request. */
export type RateLimitHeaders = Record<
  'x-ratelimit-limit' | 'x-ratelimit-remaining' | 'x-ratelimit-reset',
  string
>;

/**
 * rate_limit.limit requests per rate_limit.ttl for each caller across every way in (HTTP routes
 * and gRPC calls share it): an API key by its name, or, when no key is configured, the client
 * address. Spent before the handler runs, so a refused request stores nothing; a request counts
 * once whatever the size of its batch.
 */
@Injectable()
export class RateLimitBudget implements OnApplicationShutdown {
  private readonly limiter: RateLimiter | undefined;
  private readonly sweeper: NodeJS.Timeout | undefined;
  private readonly describe: string;

  constructor(config: ConfigService<AppConfig, true>) {
    const { limit, ttl } = config.get('rate_limit', { infer: true });
    this.describe = `at most ${limit} requests per ${ttl / 1000}s`;
    if (limit === 0) return;
    this.limiter = new RateLimiter(limit, ttl);
    // Forgetting idle callers is housekeeping, not counting: at most once a second.
    this.sweeper = setInterval(
      () => this.limiter?.sweep(),
      Math.max(ttl, 1_000),
    );
    this.sweeper.unref();
  }

  /**
   * Counts one request of `keyName` (or, without a key, of the client `address`) and returns
   * the headers that tell the caller its budget; throws TooManyRequestsError (429 with
   * Retry-After, RESOURCE_EXHAUSTED over gRPC) once the budget is spent. Undefined when
   * rate_limit.limit is 0 (no limit).
   */
  spend(
    keyName: string | undefined,
    address: string,
  ): RateLimitHeaders | undefined {
    if (this.limiter === undefined) return undefined;
    const decision = this.limiter.take(
      keyName !== undefined ? `key:${keyName}` : `address:${address}`,
    );
    if (!decision.allowed) {
      const who =
        keyName !== undefined ? 'each API key' : 'each client address';
      throw new TooManyRequestsError(
        `rate limit exceeded: ${this.describe} for ${who}; retry after ${decision.retryAfterSeconds}s`,
        decision.retryAfterSeconds,
      );
    }
    return {
      'x-ratelimit-limit': String(decision.limit),
      'x-ratelimit-remaining': String(decision.remaining),
      'x-ratelimit-reset': String(decision.resetSeconds),
    };
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }
}
