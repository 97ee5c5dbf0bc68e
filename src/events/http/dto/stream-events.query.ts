import { ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';
import { ListEventsQuery } from './list-events.query.js';

/** The filters of GET /events/stream: those of GET /events that make sense for a live tail. */
export class StreamEventsQuery extends PickType(ListEventsQuery, [
  'type',
  'aggregate_id',
] as const) {
  @ApiPropertyOptional({
    description:
      'Start after this cursor (a `next` of GET /events or an SSE id); Last-Event-ID wins when both are sent. Neither: only events committed from now on.',
  })
  @IsOmittable()
  @IsString()
  @Length(1, 64)
  after?: string;
}
