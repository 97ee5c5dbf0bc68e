import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, IsUUID, Length } from 'class-validator';
import { MAX_PAGE_SIZE } from '../../../common/http/offset-page.query.js';
import { QueryInteger } from '../../../common/validation/integer.decorators.js';
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
    description: 'Cursor: the `next` of the previous page (a dead letter id)',
    format: 'uuid',
  })
  @IsOmittable()
  @IsUUID()
  after?: string;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: MAX_PAGE_SIZE })
  @IsOmittable()
  @QueryInteger(1, MAX_PAGE_SIZE)
  limit: number = 100;
}
