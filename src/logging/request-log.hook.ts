import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { correlationIdOf } from '../events/index.js';

/**
 * One line per request once it is answered: method, path, status, time, request and
 * correlation ids. Health probes are left out. 503 is back-pressure or shutdown doing its
 * job, so it is a warning, not an error. No header is logged: Authorization and X-Api-Key
 * carry API keys (and keys are never accepted in the URL, which is logged).
 */
export function registerRequestLog(
  fastify: FastifyInstance,
  logger: Logger,
): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const level =
      status >= 500 && status !== 503
        ? 'error'
        : status >= 400
          ? 'warn'
          : 'info';
    if (logger.isLevelEnabled(level) && !request.url.startsWith('/health')) {
      const elapsed = Math.round(reply.elapsedTime);
      logger[level](
        {
          requestId: request.id,
          method: request.method,
          url: request.url,
          statusCode: status,
          responseTime: elapsed,
          correlationId: correlationIdOf(request.raw),
        },
        `${request.method} ${request.url} ${status} in ${elapsed}ms`,
      );
    }
    done();
  });
}
