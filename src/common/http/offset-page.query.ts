import { ApiPropertyOptional } from '@nestjs/swagger';
import { QueryInteger } from '../validation/integer.decorators.js';
import { IsOmittable } from '../validation/is-omittable.decorator.js';

export const MAX_PAGE_SIZE = 1000;
// Deeper pages are slow with OFFSET anyway; a bound keeps the value a plain SQL integer.
export const MAX_OFFSET = 1_000_000;

/** `?limit=&offset=` of the feature modules' listings; extend it with the listing's filters. */
export class OffsetPageQuery {
  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: MAX_PAGE_SIZE })
  @IsOmittable()
  @QueryInteger(1, MAX_PAGE_SIZE)
  limit: number = 20;

  @ApiPropertyOptional({ default: 0, minimum: 0, maximum: MAX_OFFSET })
  @IsOmittable()
  @QueryInteger(0, MAX_OFFSET)
  offset: number = 0;
}
