import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { PositionPageQuery } from '../../../common/http/cursor-page.query.js';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';
import { IsRfc3339 } from '../../../common/validation/time.decorators.js';

export class ListAuditQuery extends PositionPageQuery {
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
}
