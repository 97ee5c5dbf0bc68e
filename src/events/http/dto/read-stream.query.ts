import { ApiPropertyOptional } from '@nestjs/swagger';
import { CursorPageQuery } from '../../../common/http/cursor-page.query.js';
import {
  MAX_VERSION,
  QueryInteger,
} from '../../../common/validation/integer.decorators.js';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';

export class ReadStreamQuery extends CursorPageQuery {
  @ApiPropertyOptional({ default: 1, minimum: 1, maximum: MAX_VERSION })
  @IsOmittable()
  @QueryInteger(1, MAX_VERSION)
  from_version: number = 1;
}
