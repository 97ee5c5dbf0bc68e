import { IsInt, IsUUID, Min } from 'class-validator';
import { DomainEvent } from '../../events/index.js';

/** Compensation: the order's charge was paid back. */
@DomainEvent('order.payment_refunded')
export class OrderPaymentRefunded {
  @IsUUID()
  orderId: string;

  @IsUUID()
  paymentId: string;

  @IsInt()
  @Min(0)
  amountCents: number;

  constructor(fields?: OrderPaymentRefunded) {
    if (fields) Object.assign(this, fields);
  }
}
