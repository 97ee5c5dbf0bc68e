import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { READ_DATA_SOURCE } from '../database/read-data-source.js';
import { EventsModule } from '../events/index.js';
import { Order } from './data/order.entity.js';
import { Payment } from './data/payment.entity.js';
import { Product } from './data/product.entity.js';
import { StockReservation } from './data/stock-reservation.entity.js';
import { OrderSagaHandler } from './handler/order-saga.handler.js';
import { OrdersController } from './handler/orders.controller.js';
import { InventoryService } from './service/inventory.service.js';
import { OrderSaga } from './service/order.saga.js';
import { OrdersService } from './service/orders.service.js';
import { PaymentService } from './service/payment.service.js';

const ENTITIES = [Order, Product, StockReservation, Payment];

@Module({
  imports: [
    TypeOrmModule.forFeature(ENTITIES),
    TypeOrmModule.forFeature(ENTITIES, READ_DATA_SOURCE),
    // The order saga claims its stream (order-<id>) as it registers.
    EventsModule.forFeature({ owner: 'the orders module' }),
  ],
  controllers: [OrdersController],
  providers: [
    OrdersService,
    InventoryService,
    PaymentService,
    OrderSaga,
    OrderSagaHandler,
  ],
})
export class OrdersModule {}
