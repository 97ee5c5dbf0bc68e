import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  InjectThrottlerStorage,
  ThrottlerException,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { AppConfig } from '../config/app-config.js';

// The name ThrottlerModule gives its only throttler; RateLimitGuard keys budgets by it.
const THROTTLER = 'default';

/**
 * The rate_limit budget of a caller for ways in other than HTTP routes (gRPC calls), kept in
 * the same storage under the same key as RateLimitGuard's: a key has one budget, whichever
 * API it calls.
 */
@Injectable()
export class RateLimitBudget {
  private readonly limit: number;
  private readonly ttl: number;

  constructor(
    config: ConfigService<AppConfig, true>,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
  ) {
    ({ limit: this.limit, ttl: this.ttl } = config.get('rate_limit', {
      infer: true,
    }));
  }

  /**
   * Counts one call of `keyName` (or, without keys, of the client `address`); throws
   * ThrottlerException (429, RESOURCE_EXHAUSTED over gRPC) once the budget is spent.
   */
  async spend(keyName: string | undefined, address: string): Promise<void> {
    if (this.limit === 0) return;
    const tracker =
      keyName !== undefined ? `key:${keyName}` : `address:${address}`;
    const { isBlocked, timeToBlockExpire } = await this.storage.increment(
      `${THROTTLER}:${tracker}`,
      this.ttl,
      this.limit,
      this.ttl,
      THROTTLER,
    );
    if (isBlocked) {
      throw new ThrottlerException(
        `rate limit exceeded: at most ${this.limit} requests per ${this.ttl / 1000}s for ${keyName !== undefined ? 'each API key' : 'each client address'}; retry after ${timeToBlockExpire}s`,
      );
    }
  }
}
