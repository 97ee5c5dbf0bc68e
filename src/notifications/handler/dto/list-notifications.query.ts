import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { OffsetPageQuery } from '../../../common/http/offset-page.query.js';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';

export class ListNotificationsQuery extends OffsetPageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOmittable()
  @IsUUID()
  user_id?: string;
}
