import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import {
  CompiledQueryPipe,
  type QueryFields,
} from '../../../common/http/compiled-query.pipe.js';
import {
  CursorPageQuery,
  SORT_ORDERS,
  type SortOrder,
} from '../../../common/http/cursor-page.query.js';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';
import { IsRfc3339 } from '../../../common/validation/time.decorators.js';
import { EventPattern } from '../../patterns/event-pattern.js';
import { IsEventPattern } from '../../patterns/is-event-pattern.validator.js';
import type { EventQuery } from '../../store/event-query.js';

export class ListEventsQuery extends CursorPageQuery {
  @ApiPropertyOptional({
    description:
      'Exact type or pattern: * one segment, ** one or more; at most 255 characters and 32 segments',
    example: 'user.*',
  })
  @IsOmittable()
  @IsEventPattern()
  type?: string;

  @ApiPropertyOptional({ example: 'user-0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7a' })
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  aggregate_id?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  correlation_id?: string;

  @ApiPropertyOptional({ description: 'Event time from (inclusive), RFC 3339' })
  @IsOmittable()
  @IsRfc3339()
  since?: string;

  @ApiPropertyOptional({
    description: 'Event time until (exclusive), RFC 3339',
  })
  @IsOmittable()
  @IsRfc3339()
  until?: string;

  @ApiPropertyOptional({
    description:
      'Cursor: the `next` of the previous page, an opaque string (with a type pattern, possibly ' +
      'where a page stopped reading); an event\'s `position` also works and means "after that event"',
  })
  @IsOmittable()
  @IsString()
  @Length(1, 40)
  after?: string;

  @ApiPropertyOptional({ enum: SORT_ORDERS, default: 'asc' })
  @IsOmittable()
  @IsIn(SORT_ORDERS)
  order: SortOrder = 'asc';
}

/** GET /events' query string, checked by the schema compiled from ListEventsQuery. */
export const listEventsQuery = new CompiledQueryPipe(ListEventsQuery);
export type ListEventsQueryFields = QueryFields<ListEventsQuery>;

/**
 * The store's query for a checked listing (GET /events, gRPC Query), without its cursor: the
 * caller resolves `after` against the store.
 */
export function storeQueryOf(
  query: ListEventsQueryFields,
  maxBytes: number,
): Omit<EventQuery, 'after'> {
  return {
    type:
      query.type === undefined
        ? undefined
        : EventPattern.parse(query.type, 'type'),
    streamId: query.aggregate_id,
    correlationId: query.correlation_id,
    since:
      query.since === undefined
        ? undefined
        : new Date(query.since).toISOString(),
    until:
      query.until === undefined
        ? undefined
        : new Date(query.until).toISOString(),
    limit: query.limit,
    order: query.order,
    maxBytes,
  };
}
