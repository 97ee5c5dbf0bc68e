import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import {
  IsIntegerBetween,
  MAX_VERSION,
} from '../../../common/validation/integer.decorators.js';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';
import { EVENT_TYPE_REGEX } from '../../patterns/event-pattern.js';
import { IsRfc3339 } from '../../../common/validation/time.decorators.js';

/** POST /events: an event from outside the application. */
export class PublishEventDto {
  @ApiProperty({
    example: 'parcel.shipped',
    pattern: EVENT_TYPE_REGEX.source,
    maxLength: 255,
  })
  @IsString()
  @Length(1, 255)
  @Matches(EVENT_TYPE_REGEX, {
    message:
      "type must be lower-case words joined by '.', '_' or '-' (e.g. user.registered)",
  })
  type: string;

  @ApiPropertyOptional({
    description: 'Any JSON value',
    example: { orderId: 'o-1' },
  })
  @IsOptional()
  data?: unknown;

  @ApiPropertyOptional({
    description: 'Alias of data, as older clients send it',
  })
  @IsOptional()
  payload?: unknown;

  @ApiPropertyOptional({
    description: 'Stream (aggregate) the event belongs to',
    example: 'order-o-1',
  })
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  aggregate_id?: string;

  @ApiPropertyOptional({
    description:
      'Idempotency key: the same source + id again returns the stored event',
  })
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  id?: string;

  @ApiPropertyOptional({ example: '/shipping' })
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  source?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  subject?: string;

  @ApiPropertyOptional({ example: '2024-05-01T12:00:00Z' })
  @IsOmittable()
  @IsRfc3339()
  time?: string;

  @ApiPropertyOptional({
    description:
      "The stream's version before this event (0: must not exist yet); needs aggregate_id",
  })
  @IsOmittable()
  @IsIntegerBetween(0, MAX_VERSION)
  expected_version?: number;
}
