import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AccessExplorer } from './access-explorer.js';
import { ApiKeys } from './api-keys.js';
import { RateLimitBudget } from './rate-limit-budget.js';
import { RouteAccessTable } from './route-access-table.js';

/**
 * API keys with roles on every route, and rate limits per key: AccessExplorer reads the
 * controllers' decisions at boot, and the access hook (registerAccessHooks) applies them, in
 * this order: who is calling, then whether they are over their limit.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [ApiKeys, AccessExplorer, RateLimitBudget],
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
