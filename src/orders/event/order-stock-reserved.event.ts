import { Type } from 'class-transformer';
import { IsArray, IsUUID, ValidateNested } from 'class-validator';
import { DomainEvent } from '../../events/index.js';
import { StockLinePayload } from './order-line.js';

@DomainEvent('order.stock_reserved')
export class OrderStockReserved {
  @IsUUID()
  orderId: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => StockLinePayload)
  items: StockLinePayload[];

  constructor(fields?: OrderStockReserved) {
    if (fields) Object.assign(this, fields);
  }
}
