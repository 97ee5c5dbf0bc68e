import type { FastifyInstance } from 'fastify';
import { registerCloudEventParsers } from '../cloudevents/content-type-parsers.js';
import { registerCorrelationHook } from './request-context.js';

/**
 * What the events module needs of the HTTP server before it listens: the CloudEvents HTTP
 * binding's content types, and the correlation id of every request (X-Correlation-Id).
 */
export function registerEventsHttp(fastify: FastifyInstance): void {
  registerCloudEventParsers(fastify);
  registerCorrelationHook(fastify);
}
