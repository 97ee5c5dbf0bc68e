import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import { OrdersService } from '../service/orders.service.js';
import { CreateOrderDto } from './dto/create-order.dto.js';
import { ListOrdersQuery } from './dto/list-orders.query.js';
import {
  toOrderResponse,
  toProductResponse,
  type OrderResponse,
} from './dto/order.response.js';
import { Roles } from '../../security/index.js';

const OrderId = () =>
  new ParseUUIDPipe({
    exceptionFactory: () => new InvalidInputError('id', 'id must be a UUID'),
  });

@ApiTags('orders')
@Controller()
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post('orders')
  @Roles('publisher')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Place an order (publishes order.placed); its saga runs after the answer: poll GET /orders/:id',
  })
  @ApiResponse({ status: 202, description: 'Accepted: status pending' })
  @ApiResponse({
    status: 400,
    description: 'Invalid body, unknown product, wrong price',
  })
  async place(@Body() dto: CreateOrderDto): Promise<OrderResponse> {
    return toOrderResponse(
      await this.orders.place({
        userId: dto.user_id,
        items: dto.items.map((item) => ({
          productId: item.product_id,
          quantity: item.quantity,
          priceCents: Math.round(item.price * 100),
        })),
      }),
    );
  }

  @Get('orders')
  @Roles('reader')
  @ApiOperation({ summary: 'Orders, newest first' })
  async list(@Query() query: ListOrdersQuery) {
    const [orders, total] = await this.orders.list({
      limit: query.limit,
      offset: query.offset,
      status: query.status,
      userId: query.user_id,
    });
    return {
      orders: orders.map(toOrderResponse),
      total,
      limit: query.limit,
      offset: query.offset,
    };
  }

  @Get('orders/:id')
  @Roles('reader')
  @ApiOperation({
    summary: 'An order: status, items, total, step history, stock and payment',
  })
  async get(@Param('id', OrderId()) id: string): Promise<OrderResponse> {
    return toOrderResponse(await this.orders.get(id));
  }

  @Get('products')
  @Roles('reader')
  @ApiOperation({ summary: "The simulated inventory's catalogue and stock" })
  async products() {
    return {
      products: (await this.orders.catalogue()).map(toProductResponse),
    };
  }
}
