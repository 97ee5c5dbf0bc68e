import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';

export class ReadStreamQuery {
  @ApiPropertyOptional({ default: 1 })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  from_version: number = 1;

  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 100;
}
