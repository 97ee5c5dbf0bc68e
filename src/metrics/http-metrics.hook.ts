import type { FastifyInstance } from 'fastify';
import type { EventMetrics } from './event-metrics.js';

/**
 * Times every answered request under its route template (`/events/:id`), so ids in paths never
 * become label values; a path no route matches is `unmatched`.
 */
export function registerHttpMetrics(
  fastify: FastifyInstance,
  metrics: EventMetrics,
): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequest(
      request.method,
      request.routeOptions.url,
      reply.statusCode,
      reply.elapsedTime,
    );
    done();
  });
}
