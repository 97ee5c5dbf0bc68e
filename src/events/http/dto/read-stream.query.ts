import { ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_PAGE_SIZE } from '../../../common/http/offset-page.query.js';
import {
  MAX_VERSION,
  QueryInteger,
} from '../../../common/validation/integer.decorators.js';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';

export class ReadStreamQuery {
  @ApiPropertyOptional({ default: 1, minimum: 1, maximum: MAX_VERSION })
  @IsOmittable()
  @QueryInteger(1, MAX_VERSION)
  from_version: number = 1;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: MAX_PAGE_SIZE })
  @IsOmittable()
  @QueryInteger(1, MAX_PAGE_SIZE)
  limit: number = 100;
}
