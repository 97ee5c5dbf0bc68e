import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsInt,
  IsUUID,
  Min,
  ValidateNested,
} from 'class-validator';
import { DomainEvent } from '../../events/index.js';
import { OrderLinePayload } from './order-line.js';

/** The order passed validation; its saga starts. */
@DomainEvent('order.placed')
export class OrderPlaced {
  @IsUUID()
  orderId: string;

  @IsUUID()
  userId: string;

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => OrderLinePayload)
  items: OrderLinePayload[];

  @IsInt()
  @Min(0)
  totalCents: number;

  constructor(fields?: OrderPlaced) {
    if (fields) Object.assign(this, fields);
  }
}
