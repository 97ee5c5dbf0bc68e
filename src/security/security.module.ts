import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { AppConfig } from '../config/app-config.js';
import { AccessExplorer } from './access-explorer.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeys } from './api-keys.js';
import { RateLimitBudget } from './rate-limit-budget.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RouteAccessTable } from './route-access-table.js';

/**
 * API keys with roles on every route, and rate limits per key. The guards run in this order:
 * who is calling, then whether they are over their limit.
 */
@Module({
  imports: [
    DiscoveryModule,
    ThrottlerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => {
        const { limit, ttl } = config.get('rate_limit', { infer: true });
        return {
          throttlers: [{ ttl, limit: Math.max(limit, 1) }],
          skipIf: () => limit === 0,
          errorMessage: (_context, { tracker }) =>
            `rate limit exceeded: at most ${limit} requests per ${ttl / 1000}s for ${tracker.startsWith('key:') ? 'each API key' : 'each client address'}; retry after Retry-After seconds`,
        };
      },
    }),
  ],
  providers: [
    ApiKeys,
    AccessExplorer,
    RateLimitBudget,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [ApiKeys, RateLimitBudget],
})
export class SecurityModule {
  /** `routes` collects the app's routes from Fastify (see registerAccessHooks). */
  static forRoot(routes: RouteAccessTable): DynamicModule {
    return {
      module: SecurityModule,
      providers: [{ provide: RouteAccessTable, useValue: routes }],
      exports: [RouteAccessTable],
    };
  }
}
