import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, type ValidationOptions } from 'class-validator';
import {
  MAX_POSITION,
  QueryInteger,
} from '../validation/integer.decorators.js';
import { IsOmittable } from '../validation/is-omittable.decorator.js';
import { MAX_PAGE_SIZE } from './offset-page.query.js';

export const DEFAULT_CURSOR_PAGE_SIZE = 100;
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/**
 * `?limit=` of a keyset listing, whose pages follow one another by a cursor (the `next` of the
 * previous page) instead of an offset. Extend it with the listing's cursor and filters.
 */
export class CursorPageQuery {
  @ApiPropertyOptional({
    default: DEFAULT_CURSOR_PAGE_SIZE,
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
  })
  @IsOmittable()
  @QueryInteger(1, MAX_PAGE_SIZE)
  limit: number = DEFAULT_CURSOR_PAGE_SIZE;
}

/**
 * The one rule for reading a cursor in log order (`after`) from a query string: the decimal
 * digits of a position, 0 being before the first event. A new form of cursor goes here.
 */
export const QueryPositionCursor = (options?: ValidationOptions) =>
  QueryInteger(0, MAX_POSITION, options);

/**
 * `?after=&limit=&order=` of a listing keyed by event position (the events, the audit log),
 * read forwards or backwards. A subclass may refine the description of `after` with its own
 * `@ApiPropertyOptional`; validation rules added to a redeclared property apply on top of
 * these, never instead of them.
 */
export class PositionPageQuery extends CursorPageQuery {
  @ApiPropertyOptional({
    description: 'Cursor: the `next` of the previous page',
  })
  @IsOmittable()
  @QueryPositionCursor()
  after?: number;

  @ApiPropertyOptional({ enum: SORT_ORDERS, default: 'asc' })
  @IsOmittable()
  @IsIn(SORT_ORDERS)
  order: SortOrder = 'asc';
}
