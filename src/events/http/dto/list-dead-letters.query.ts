import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, IsUUID, Length } from 'class-validator';
import { CursorPageQuery } from '../../../common/http/cursor-page.query.js';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';

export class ListDeadLettersQuery extends CursorPageQuery {
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
}
