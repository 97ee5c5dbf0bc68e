import { IsString, IsUUID, Length } from 'class-validator';
import { DomainEvent } from '../../events/index.js';

/** A step of the order's saga failed: compensation of the steps before it starts. */
@DomainEvent('order.step_failed')
export class OrderStepFailed {
  @IsUUID()
  orderId: string;

  @IsString()
  @Length(1, 100)
  step: string;

  @IsString()
  reason: string;

  constructor(fields?: OrderStepFailed) {
    if (fields) Object.assign(this, fields);
  }
}
