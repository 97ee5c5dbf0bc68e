import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkJsonText } from '../../common/json/json-text.js';
import { hasCloudEventHeaders } from './content-mode.js';
import { CLOUDEVENTS_BATCH_JSON, CLOUDEVENTS_JSON } from './media-type.js';

/** Route config (`@RouteConfig(CLOUDEVENTS_ROUTE)`) of the routes that receive CloudEvents. */
export const CLOUDEVENTS_ROUTE = { cloudEvents: true } as const;

/** The error Fastify raises itself for an unknown content type, so it renders the same way. */
class UnsupportedMediaTypeError extends Error {
  readonly statusCode = 415;
  readonly code = 'FST_ERR_CTP_INVALID_MEDIA_TYPE';
  constructor(contentType: string | undefined) {
    super(`Unsupported Media Type: ${contentType ?? 'none'}`);
  }
}

class BodyTooLargeError extends Error {
  readonly statusCode = 413;
  readonly code = 'FST_ERR_CTP_BODY_TOO_LARGE';
  constructor() {
    super('Request body is too large');
  }
}

function receivesCloudEvents(request: FastifyRequest): boolean {
  const config = request.routeOptions.config as { cloudEvents?: boolean };
  return config?.cloudEvents === true;
}

/** Binary mode: ce-* headers on a CloudEvents route; the body is the data, left as bytes. */
function isBinaryMode(request: FastifyRequest): boolean {
  return receivesCloudEvents(request) && hasCloudEventHeaders(request.headers);
}

/**
 * Body parsing for the CloudEvents HTTP binding, on top of JSON-only parsing:
 * - application/json: parsed as before, except in binary mode, where the bytes are the data;
 * - application/cloudevents+json and application/cloudevents-batch+json: parsed as JSON, on
 *   CloudEvents routes only (elsewhere 415);
 * - any other or no content type: the raw bytes in binary mode, otherwise 415 as before.
 * Fastify matches content types case-insensitively; every parser honours the body limit.
 */
export function registerCloudEventParsers(fastify: FastifyInstance): void {
  const defaultJsonParser = fastify.getDefaultJsonParser('error', 'error');
  // Every JSON body of every route is parsed here: the one place to check its text.
  const parseJson: typeof defaultJsonParser = (request, text, done) => {
    try {
      checkJsonText(text, 'body');
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    defaultJsonParser(request, text, done);
  };

  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (request, body, done) => {
      if (isBinaryMode(request)) {
        done(null, body);
        return;
      }
      parseJson(request, (body as Buffer).toString('utf8'), done);
    },
  );

  for (const type of [CLOUDEVENTS_JSON, CLOUDEVENTS_BATCH_JSON]) {
    fastify.addContentTypeParser(
      type,
      { parseAs: 'buffer' },
      (request, body, done) => {
        if (!receivesCloudEvents(request)) {
          done(new UnsupportedMediaTypeError(request.headers['content-type']));
          return;
        }
        parseJson(request, (body as Buffer).toString('utf8'), done);
      },
    );
  }

  // The catch-all decides before reading: a request that is not a binary-mode event is
  // refused at once, without buffering its body.
  fastify.addContentTypeParser('*', (request, payload, done) => {
    if (!isBinaryMode(request)) {
      done(new UnsupportedMediaTypeError(request.headers['content-type']));
      return;
    }
    readBody(payload, request.routeOptions.bodyLimit, request.headers).then(
      (body) => done(null, body),
      (error: Error) => done(error),
    );
  });
}

function readBody(
  payload: NodeJS.ReadableStream,
  limit: number,
  headers: FastifyRequest['headers'],
): Promise<Buffer> {
  const declared = Number(headers['content-length']);
  if (declared > limit) return Promise.reject(new BodyTooLargeError());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += bytes.length;
      if (received > limit) {
        cleanup();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(bytes);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, received));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(Object.assign(error, { statusCode: 400 }));
    };
    const cleanup = () => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.resume();
  });
}
