import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import { validationError } from '../../common/http/validation.pipe.js';
import {
  ListEventsQuery,
  storeQueryOf,
} from '../http/dto/list-events.query.js';
import type { EventQuery } from '../store/event-query.js';

/** events.v1.QueryRequest as received: proto3 leaves empty text and zero out. */
export interface QueryRequestMessage {
  type?: string;
  aggregate_id?: string;
  correlation_id?: string;
  since?: string;
  until?: string;
  after?: string;
  limit?: number;
  order?: string | number;
}

const ORDERS: Record<string, 'asc' | 'desc'> = {
  ORDER_UNSPECIFIED: 'asc',
  ORDER_ASC: 'asc',
  ORDER_DESC: 'desc',
};

/**
 * A Query call as the store's EventQuery, checked by the rules of GET /events' query string;
 * `after` is left to the caller, which resolves it against the store (see grpc-cursor.ts).
 */
export function readQueryRequest(
  request: QueryRequestMessage,
  maxPageBytes: number,
): Omit<EventQuery, 'after'> {
  const order = ORDERS[String(request.order ?? 'ORDER_UNSPECIFIED')];
  if (order === undefined)
    throw new InvalidInputError(
      'order',
      'order must be ORDER_ASC or ORDER_DESC',
    );
  const text = (value: string | undefined) =>
    value === '' ? undefined : value;
  // The query string's own class and rules; numbers travel as its text, absent keys take
  // the class's defaults.
  const fields = Object.entries({
    type: text(request.type),
    aggregate_id: text(request.aggregate_id),
    correlation_id: text(request.correlation_id),
    since: text(request.since),
    until: text(request.until),
    limit: request.limit ? String(request.limit) : undefined,
    order,
  }).filter(([, value]) => value !== undefined);
  const query = plainToInstance(ListEventsQuery, Object.fromEntries(fields));
  const errors = validateSync(query, {
    whitelist: true,
    forbidNonWhitelisted: true,
  });
  if (errors.length > 0) throw validationError(errors);
  return storeQueryOf(query, maxPageBytes);
}
