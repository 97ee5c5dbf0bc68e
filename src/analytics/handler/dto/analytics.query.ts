import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

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
  @Matches(DAY, { message: 'since must be a day as YYYY-MM-DD' })
  since?: string;

  @ApiPropertyOptional({
    description: 'Last day (inclusive), YYYY-MM-DD',
    example: '2024-05-31',
  })
  @IsOmittable()
  @Matches(DAY, { message: 'until must be a day as YYYY-MM-DD' })
  until?: string;
}
