import { IsString, IsUUID, Length } from 'class-validator';
import { DomainEvent } from '../../events/index.js';

/** The saga failed at `step` and every completed step has been compensated. */
@DomainEvent('order.cancelled')
export class OrderCancelled {
  @IsUUID()
  orderId: string;

  @IsUUID()
  userId: string;

  @IsString()
  @Length(1, 100)
  step: string;

  @IsString()
  reason: string;

  constructor(fields?: OrderCancelled) {
    if (fields) Object.assign(this, fields);
  }
}
