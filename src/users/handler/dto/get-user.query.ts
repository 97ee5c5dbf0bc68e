import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  MAX_VERSION,
  QueryInteger,
} from '../../../common/validation/integer.decorators.js';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';

export class GetUserQuery {
  @ApiPropertyOptional({
    description:
      'Rebuild the user from its first n events: the state as it was at version n',
    minimum: 1,
    maximum: MAX_VERSION,
  })
  @IsOmittable()
  @QueryInteger(1, MAX_VERSION)
  at_version?: number;
}
