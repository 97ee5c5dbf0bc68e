import { AsyncResource } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import { reasonPhrase } from '../../common/http/error-response.js';
import { principalOf } from '../../security/principal.js';
import { eventContext, type EventContext } from '../bus/event-context.js';

export const CORRELATION_HEADER = 'x-correlation-id';
/** What a caller's correlation id may be, over HTTP and gRPC alike. */
export const CORRELATION_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;
export const CORRELATION_ID_RULE =
  '1-128 characters of letters, digits and ._:@/+=-';
/** A W3C traceparent; anything else is ignored, as tracing must never refuse a request. */
export const TRACEPARENT =
  /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

const correlationIds = new WeakMap<IncomingMessage, string>();
const requestScopes = new WeakMap<IncomingMessage, AsyncResource>();

/**
 * The request's correlation id: the caller's X-Correlation-Id, or a new one. Cached per raw
 * request so the logger, the response header and the event context all agree.
 */
export function correlationIdOf(request: IncomingMessage): string {
  let id = correlationIds.get(request);
  if (id === undefined) {
    const header = request.headers[CORRELATION_HEADER];
    id =
      typeof header === 'string' && CORRELATION_ID.test(header)
        ? header
        : uuidv7();
    correlationIds.set(request, id);
  }
  return id;
}

/**
 * Refuses a malformed X-Correlation-Id and echoes the id in every response. From the first hook
 * to the response, the request's ids are the ambient event context, so every line logged on its
 * behalf (access checks, the exception filter, anything the route calls) carries them; from the
 * preHandler hook on, the context also holds the caller's key name and W3C traceparent, so
 * everything the route publishes carries them without being passed by hand.
 */
export function registerCorrelationHook(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const header = request.headers[CORRELATION_HEADER];
    if (
      header !== undefined &&
      (typeof header !== 'string' || !CORRELATION_ID.test(header))
    ) {
      void reply.code(400).send({
        statusCode: 400,
        error: reasonPhrase(400),
        message: `${CORRELATION_HEADER} must be ${CORRELATION_ID_RULE}`,
        field: CORRELATION_HEADER,
      });
      return;
    }
    const correlationId = correlationIdOf(request.raw);
    void reply.header(CORRELATION_HEADER, correlationId);
    eventContext.run({ requestId: String(request.id), correlationId }, () => {
      requestScopes.set(request.raw, new AsyncResource('request-context'));
      done();
    });
  });
  // The body arrives through the socket's own callbacks, outside that context: the hooks after
  // parsing (and the route) run inside it again.
  fastify.addHook('preValidation', (request, _reply, done) => {
    const scope = requestScopes.get(request.raw);
    if (scope === undefined) done();
    else scope.runInAsyncScope(done);
  });
  // preHandler, after the body is read: what runs from here on (Nest's guards, pipes and the
  // route) is called from `done`, so the context covers it and all it starts. A Nest
  // interceptor doing this cost an Observable chain per request.
  fastify.addHook('preHandler', (request, _reply, done) => {
    eventContext.run(requestEventContext(request), done);
  });
}

function requestEventContext(request: FastifyRequest): EventContext {
  const { raw } = request;
  const traceparent = request.headers.traceparent;
  return {
    requestId: String(request.id),
    correlationId: correlationIdOf(raw),
    // The API key's name, stored as metadata.actor of every event the request publishes. Read
    // when publishing: the access check (a guard) identifies the caller after this hook.
    get actor() {
      return principalOf(raw)?.name;
    },
    refuseWhenFull: true,
    traceparent:
      typeof traceparent === 'string' && TRACEPARENT.test(traceparent)
        ? traceparent
        : undefined,
  };
}

/**
 * The ids of the request being served (or of the request whose events a handler is handling),
 * for log lines: undefined outside both.
 */
export function currentRequestIds():
  { requestId?: string; correlationId?: string } | undefined {
  const context = eventContext.current();
  if (!context?.requestId && !context?.correlationId) return undefined;
  return {
    requestId: context.requestId,
    correlationId: context.correlationId,
  };
}
