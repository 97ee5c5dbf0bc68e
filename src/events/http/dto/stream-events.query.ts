import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';
import { IsEventPattern } from '../../patterns/is-event-pattern.validator.js';

/** The filters of GET /events/stream: those of GET /events that make sense for a live tail. */
export class StreamEventsQuery {
  @ApiPropertyOptional({
    description:
      'Exact type or pattern: * one segment, ** one or more; at most 255 characters and 32 segments',
    example: 'user.*',
  })
  @IsOmittable()
  @IsEventPattern()
  type?: string;

  @ApiPropertyOptional({ example: 'user-0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7a' })
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  aggregate_id?: string;

  @ApiPropertyOptional({
    description:
      'Start after this cursor (a `next` of GET /events or an SSE id); Last-Event-ID wins when both are sent. Neither: only events committed from now on.',
  })
  @IsOmittable()
  @IsString()
  @Length(1, 64)
  after?: string;
}
