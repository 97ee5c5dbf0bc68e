import { IsInt, IsString, Length, Max, Min } from 'class-validator';

/** One line of an order as events carry it: money in integer cents. */
export class OrderLinePayload {
  @IsString()
  @Length(1, 64)
  productId: string;

  @IsInt()
  @Min(1)
  quantity: number;

  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  priceCents: number;
}

/** Units of one product reserved for, or released from, an order. */
export class StockLinePayload {
  @IsString()
  @Length(1, 64)
  productId: string;

  @IsInt()
  @Min(1)
  quantity: number;
}
