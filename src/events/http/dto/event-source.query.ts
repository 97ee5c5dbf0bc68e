import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';

export class EventSourceQuery {
  @ApiPropertyOptional({
    description: 'Picks the event when several sources used the same id',
  })
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  source?: string;
}
