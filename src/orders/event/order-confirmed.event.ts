import { IsInt, IsUUID, Min } from 'class-validator';
import { DomainEvent } from '../../events/index.js';

/** The saga completed: stock sold, payment taken. */
@DomainEvent('order.confirmed')
export class OrderConfirmed {
  @IsUUID()
  orderId: string;

  @IsUUID()
  userId: string;

  @IsInt()
  @Min(0)
  totalCents: number;

  constructor(fields?: OrderConfirmed) {
    if (fields) Object.assign(this, fields);
  }
}
