import type { FastifyInstance } from 'fastify';
import { ForbiddenError } from '../common/errors/domain-error.js';
import { toErrorResponse } from '../common/http/error-response.js';
import { enforceAccess } from './access.js';
import type { ApiKeys } from './api-keys.js';
import type { RateLimitBudget } from './rate-limit-budget.js';
import type { RouteAccessTable } from './route-access-table.js';

/** Records every route in `table` as Fastify registers it: call before anything registers one. */
export function collectRoutes(
  fastify: FastifyInstance,
  table: RouteAccessTable,
): void {
  fastify.addHook('onRoute', table.record);
}

/**
 * Refuses to start when a route has no access decision; then, for every route, controllers'
 * and others' alike, admits only the callers its decision names and spends their rate limit.
 * One hook rather than Nest guards: the decision is a map lookup, and a refused request never
 * reaches Nest's router.
 */
export function registerAccessHooks(
  fastify: FastifyInstance,
  table: RouteAccessTable,
  keys: ApiKeys,
  budget: RateLimitBudget,
): void {
  fastify.addHook('onReady', (done) => {
    try {
      table.verify();
      done();
    } catch (error) {
      done(error as Error);
    }
  });
  // After routing and the onRequest hooks: the reply already has its security and CORS
  // headers, so a browser can read the refusal.
  fastify.addHook('preHandler', (request, reply, done) => {
    const { method } = request;
    const { url } = request.routeOptions;
    if (url === undefined) return done();
    try {
      const rule = table.ruleOf(method, url);
      if (rule === undefined) {
        throw new ForbiddenError(
          'url',
          `${method} ${url} has no access decision`,
        );
      }
      // A public route nobody counts (probes, Swagger UI, the live page) needs no identity.
      if (!rule.rateLimited && 'public' in rule.access) return done();
      const identity = keys.identify(request);
      enforceAccess(rule.access, identity);
      if (rule.rateLimited) {
        // A key is counted by its name, on public routes too; a caller without one by address.
        const name =
          'principal' in identity ? identity.principal.name : undefined;
        const headers = budget.spend(name, request.ip);
        if (headers !== undefined) void reply.headers(headers);
      }
      done();
    } catch (error) {
      const { status, body, headers } = toErrorResponse(error);
      void reply.code(status).headers(headers).send(body);
    }
  });
}
