import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsUUID } from 'class-validator';
import { OffsetPageQuery } from '../../../common/http/offset-page.query.js';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';
import type { OrderStatus } from '../../data/order.entity.js';

const STATUSES: OrderStatus[] = [
  'pending',
  'cancelling',
  'confirmed',
  'cancelled',
];

export class ListOrdersQuery extends OffsetPageQuery {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOmittable()
  @IsIn(STATUSES)
  status?: OrderStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOmittable()
  @IsUUID()
  user_id?: string;
}
