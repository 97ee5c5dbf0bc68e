import type { FastifyInstance } from 'fastify';
import { ForbiddenError } from '../common/errors/domain-error.js';
import { toErrorResponse } from '../common/http/error-response.js';
import { enforceAccess } from './access.js';
import type { ApiKeys } from './api-keys.js';
import type { RouteAccessTable } from './route-access-table.js';

/** Records every route in `table` as Fastify registers it: call before anything registers one. */
export function collectRoutes(
  fastify: FastifyInstance,
  table: RouteAccessTable,
): void {
  fastify.addHook('onRoute', table.record);
}

/**
 * Refuses to start when a route has no access decision, and enforces the decisions of routes
 * served outside controllers (Swagger UI, static files); controller routes are left
 * to ApiKeyGuard.
 */
export function registerAccessHooks(
  fastify: FastifyInstance,
  table: RouteAccessTable,
  keys: ApiKeys,
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
    const access = table.accessOf(method, url);
    if (access === 'controller') return done();
    try {
      if (access === undefined) {
        throw new ForbiddenError(
          'url',
          `${method} ${url} has no access decision`,
        );
      }
      enforceAccess(access, keys.identify(request));
      done();
    } catch (error) {
      const { status, body, headers } = toErrorResponse(error);
      void reply.code(status).headers(headers).send(body);
    }
  });
}
