import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { ApiKeys } from './api-keys.js';

/**
 * rate_limit.limit requests per rate_limit.ttl for each API key across all routes (each client
 * address when no key is configured). Runs as a guard, before the handler: a refused request
 * (429 with Retry-After) stores nothing, and a request counts once whatever its batch size.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly keys: ApiKeys,
  ) {
    super(options, storage, reflector);
  }

  protected override getTracker(request: FastifyRequest): Promise<string> {
    const identity = this.keys.identify(request);
    const name = 'principal' in identity ? identity.principal.name : undefined;
    return Promise.resolve(
      name !== undefined ? `key:${name}` : `address:${request.ip}`,
    );
  }

  /** One budget per caller for the whole API, not one per route. */
  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    throttler: string,
  ): string {
    return `${throttler}:${tracker}`;
  }
}
