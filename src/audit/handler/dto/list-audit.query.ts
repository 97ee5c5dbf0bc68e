import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import { MAX_PAGE_SIZE } from '../../../common/http/offset-page.query.js';
import {
  MAX_POSITION,
  QueryInteger,
} from '../../../common/validation/integer.decorators.js';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';
import { IsRfc3339 } from '../../../common/validation/time.decorators.js';

export class ListAuditQuery {
  @ApiPropertyOptional({ example: 'user.registered' })
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  type?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  aggregate_id?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  correlation_id?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  actor?: string;

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
    description: 'Cursor: the `next` of the previous page',
  })
  @IsOmittable()
  @QueryInteger(0, MAX_POSITION)
  after?: number;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: MAX_PAGE_SIZE })
  @IsOmittable()
  @QueryInteger(1, MAX_PAGE_SIZE)
  limit: number = 100;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc' })
  @IsOmittable()
  @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'asc';
}
