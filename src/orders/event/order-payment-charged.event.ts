import { IsInt, IsUUID, Min } from 'class-validator';
import { DomainEvent } from '../../events/index.js';

@DomainEvent('order.payment_charged')
export class OrderPaymentCharged {
  @IsUUID()
  orderId: string;

  @IsUUID()
  paymentId: string;

  @IsInt()
  @Min(0)
  amountCents: number;

  constructor(fields?: OrderPaymentCharged) {
    if (fields) Object.assign(this, fields);
  }
}
