import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';

export class GetUserQuery {
  @ApiPropertyOptional({
    description:
      'Rebuild the user from its first n events: the state as it was at version n',
    minimum: 1,
  })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  at_version?: number;
}
