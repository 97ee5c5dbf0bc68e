import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { IsOmittable } from '../validation/is-omittable.decorator.js';

/** `?limit=&offset=` of the feature modules' listings; extend it with the listing's filters. */
export class OffsetPageQuery {
  @ApiPropertyOptional({ default: 20, maximum: 100 })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  @ApiPropertyOptional({ default: 0 })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset: number = 0;
}
