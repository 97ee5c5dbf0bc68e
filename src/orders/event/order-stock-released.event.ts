import { Type } from 'class-transformer';
import { IsArray, IsUUID, ValidateNested } from 'class-validator';
import { DomainEvent } from '../../events/index.js';
import { StockLinePayload } from './order-line.js';

/** Compensation: the order's reserved stock went back on the shelf. */
@DomainEvent('order.stock_released')
export class OrderStockReleased {
  @IsUUID()
  orderId: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => StockLinePayload)
  items: StockLinePayload[];

  constructor(fields?: OrderStockReleased) {
    if (fields) Object.assign(this, fields);
  }
}
