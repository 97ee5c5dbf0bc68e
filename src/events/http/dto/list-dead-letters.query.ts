import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';

export class ListDeadLettersQuery {
  @ApiPropertyOptional({ example: 'notifications.welcome' })
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  subscription?: string;

  @ApiPropertyOptional({ example: 'user.registered' })
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  type?: string;

  @ApiPropertyOptional({
    description: 'Cursor: the `next` of the previous page',
  })
  @IsOmittable()
  @IsString()
  @Length(1, 64)
  after?: string;

  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 100;
}
