import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsString,
  Length,
} from 'class-validator';
import {
  IsIntegerBetween,
  MAX_POSITION,
} from '../../../common/validation/integer.decorators.js';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';
import { IsRfc3339 } from '../../../common/validation/time.decorators.js';
import { IsEventPattern } from '../../patterns/is-event-pattern.validator.js';

/** POST /events/replay. */
export class StartReplayDto {
  @ApiProperty({ example: 'analytics.counts' })
  @IsString()
  @Length(1, 255)
  subscription: string;

  @ApiPropertyOptional({
    description: 'First position to replay (inclusive); or give since',
  })
  @IsOmittable()
  @IsIntegerBetween(1, MAX_POSITION)
  from_position?: number;

  @ApiPropertyOptional({
    description:
      'Last position to replay (inclusive); default: the newest event when the replay starts',
  })
  @IsOmittable()
  @IsIntegerBetween(1, MAX_POSITION)
  to_position?: number;

  @ApiPropertyOptional({
    description: 'Events whose time is at or after this instant',
    example: '2024-05-01T00:00:00Z',
  })
  @IsOmittable()
  @IsRfc3339()
  since?: string;

  @ApiPropertyOptional({
    description: 'Events whose time is before this instant',
  })
  @IsOmittable()
  @IsRfc3339()
  until?: string;

  @ApiPropertyOptional({
    description: "Event types or patterns, narrowing the subscription's own",
    example: ['user.*'],
  })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsEventPattern({ each: true })
  types?: string[];

  @ApiPropertyOptional({
    description: 'Only this stream',
    example: 'user-0190...',
  })
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  aggregate_id?: string;

  @ApiPropertyOptional({
    description:
      "Clear the read model (the handler's @OnReset method) and rebuild it from position 0",
  })
  @IsOmittable()
  @IsBoolean()
  reset?: boolean;

  @ApiPropertyOptional({
    description: 'Report what would be replayed without running any handler',
  })
  @IsOmittable()
  @IsBoolean()
  dry_run?: boolean;
}
