import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { HasDecimalPlaces } from '../../../common/validation/decimal.decorators.js';

export class OrderItemDto {
  @ApiProperty({ example: 'widget', description: 'See GET /products' })
  @IsString()
  @Length(1, 64)
  product_id: string;

  @ApiProperty({ example: 2, minimum: 1, maximum: 1000 })
  @IsInt()
  @Min(1)
  @Max(1000)
  quantity: number;

  @ApiProperty({
    example: 25,
    description: "Unit price; must be the product's catalogue price",
  })
  @HasDecimalPlaces(2)
  @Min(0)
  @Max(1_000_000)
  price: number;
}

export class CreateOrderDto {
  @ApiProperty({
    format: 'uuid',
    description:
      'The customer. Not checked against the users module (modules share no tables): any UUID is accepted',
  })
  @IsUUID()
  user_id: string;

  @ApiProperty({ type: [OrderItemDto], minItems: 1, maxItems: 50 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items: OrderItemDto[];
}
