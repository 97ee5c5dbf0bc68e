import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';
import { IsFullDate } from '../../../common/validation/time.decorators.js';

export class AnalyticsQuery {
  @ApiPropertyOptional({ example: 'user.registered' })
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  type?: string;

  @ApiPropertyOptional({
    description: 'First day (inclusive), YYYY-MM-DD',
    example: '2024-05-01',
  })
  @IsOmittable()
  @IsFullDate()
  since?: string;

  @ApiPropertyOptional({
    description: 'Last day (inclusive), YYYY-MM-DD',
    example: '2024-05-31',
  })
  @IsOmittable()
  @IsFullDate()
  until?: string;
}
