import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { uuidv7 } from '../../common/ids/uuid-v7.js';
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
const requestContexts = new WeakMap<IncomingMessage, EventContext>();

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
 * Refuses a malformed X-Correlation-Id and echoes the id in every response (the caller's, or
 * the request's own id: one id generated, not two). From the first hook to the response the
 * request's event context is ambient: every line logged on its behalf (access checks, the
 * exception filter, anything the route calls) carries its ids, and everything the route
 * publishes carries its correlation id, traceparent and the caller's key name without being
 * passed by hand. One context per request, entered once: a Nest interceptor doing this cost an
 * Observable chain per request.
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
    const requestId = String(request.id);
    const correlationId = header ?? requestId;
    correlationIds.set(request.raw, correlationId);
    void reply.header(CORRELATION_HEADER, correlationId);
    const context = requestEventContext(request, requestId, correlationId);
    requestContexts.set(request.raw, context);
    eventContext.run(context, done);
  });
  // The body arrives through the socket's own callbacks, outside that context: the hooks after
  // parsing and the route (Nest's pipes and handler) are called from `done`, inside it again.
  // The same context object is entered again rather than captured in an AsyncResource, which
  // costs init hooks and a scope switch per request.
  fastify.addHook('preValidation', (request, _reply, done) => {
    const context = requestContexts.get(request.raw);
    if (context === undefined) done();
    else eventContext.run(context, done);
  });
}

function requestEventContext(
  request: FastifyRequest,
  requestId: string,
  correlationId: string,
): EventContext {
  const traceparent = request.headers.traceparent;
  return new RequestEventContext(
    request.raw,
    requestId,
    correlationId,
    typeof traceparent === 'string' && TRACEPARENT.test(traceparent)
      ? traceparent
      : undefined,
  );
}

/** One HTTP request's context; a class, so every request's has one shape and one getter. */
class RequestEventContext implements EventContext {
  readonly refuseWhenFull = true;

  constructor(
    private readonly raw: IncomingMessage,
    readonly requestId: string,
    readonly correlationId: string,
    readonly traceparent: string | undefined,
  ) {}

  /**
   * The API key's name, stored as metadata.actor of every event the request publishes. Read
   * when publishing: the access check identifies the caller after the context is entered.
   */
  get actor(): string | undefined {
    return principalOf(this.raw)?.name;
  }
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
