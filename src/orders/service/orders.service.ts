import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { uuidv7 } from '../../common/ids/uuid-v7.js';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import { UnitOfWork } from '../../events/index.js';
import {
  Order,
  type OrderLine,
  type OrderStatus,
} from '../data/order.entity.js';
import type { Payment } from '../data/payment.entity.js';
import { Product } from '../data/product.entity.js';
import type { StockReservation } from '../data/stock-reservation.entity.js';
import { OrderPlaced } from '../event/order-placed.event.js';
import { InventoryService } from './inventory.service.js';
import { formatCents, OrderNotFoundError } from './order.errors.js';
import { OrderSaga, type OrderSagaState } from './order.saga.js';
import { PaymentService } from './payment.service.js';

export interface PlaceOrder {
  userId: string;
  items: { productId: string; quantity: number; priceCents: number }[];
}

export interface OrderDetails {
  order: Order;
  saga: OrderSagaState | null;
  reservations?: StockReservation[];
  payment?: Payment | null;
}

/**
 * Places orders (validation, then the order row, its saga and order.placed in one commit) and
 * reads them back with their saga's state.
 */
@Injectable()
export class OrdersService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly orderSaga: OrderSaga,
    private readonly inventory: InventoryService,
    private readonly payments: PaymentService,
    @InjectRepository(Order, READ_DATA_SOURCE)
    private readonly orders: Repository<Order>,
  ) {}

  /**
   * The saga's validate step, done before anything is stored: every product must exist, once,
   * at its catalogue price. Stock is not checked here: a product without stock is the
   * reserve step's failure, compensated like any other.
   */
  place({ userId, items }: PlaceOrder): Promise<OrderDetails> {
    return this.uow.run(async (tx) => {
      const ids = items.map((item) => item.productId);
      const products = new Map(
        (await tx.manager.findBy(Product, { id: In(ids) })).map((product) => [
          product.id,
          product,
        ]),
      );
      const lines: OrderLine[] = items.map((item, index) => {
        const field = `items.${index}`;
        const product = products.get(item.productId);
        if (!product)
          throw new InvalidInputError(
            `${field}.product_id`,
            `${field}.product_id: no product ${item.productId} (see GET /products)`,
          );
        if (ids.indexOf(item.productId) !== index)
          throw new InvalidInputError(
            `${field}.product_id`,
            `${field}.product_id: ${item.productId} is listed twice; order it once with the total quantity`,
          );
        if (item.priceCents !== product.priceCents)
          throw new InvalidInputError(
            `${field}.price`,
            `${field}.price: ${product.id} costs ${formatCents(product.priceCents)}, not ${formatCents(item.priceCents)}`,
          );
        return { ...item };
      });
      const totalCents = lines.reduce(
        (sum, line) => sum + line.quantity * line.priceCents,
        0,
      );
      const now = new Date();
      const order = Object.assign(new Order(), {
        id: uuidv7(),
        userId,
        items: lines,
        totalCents,
        status: 'pending' satisfies OrderStatus,
        createdAt: now,
        updatedAt: now,
      });
      await tx.manager.insert(Order, order);
      const data = { orderId: order.id, userId, items: lines, totalCents };
      const saga = await this.orderSaga.saga.start(
        tx,
        order.id,
        data,
        new OrderPlaced(data),
      );
      return { order, saga };
    });
  }

  async get(id: string): Promise<OrderDetails> {
    const order = await this.orders.findOneBy({ id });
    if (!order) throw new OrderNotFoundError(id);
    const [saga, reservations, payment] = await Promise.all([
      this.orderSaga.saga.get(id),
      this.inventory.reservationsOf(id),
      this.payments.paymentOf(id),
    ]);
    return { order, saga, reservations, payment };
  }

  /** Newest first. */
  async list(filter: {
    limit: number;
    offset: number;
    status?: OrderStatus;
    userId?: string;
  }): Promise<[OrderDetails[], number]> {
    const where: Partial<Pick<Order, 'status' | 'userId'>> = {};
    if (filter.status) where.status = filter.status;
    if (filter.userId) where.userId = filter.userId;
    const [orders, total] = await this.orders.findAndCount({
      where,
      order: { createdAt: 'DESC', id: 'DESC' },
      take: filter.limit,
      skip: filter.offset,
    });
    const sagas = await this.orderSaga.saga.getMany(
      orders.map((order) => order.id),
    );
    return [
      orders.map((order) => ({ order, saga: sagas.get(order.id) ?? null })),
      total,
    ];
  }

  catalogue(): Promise<Product[]> {
    return this.inventory.catalogue();
  }
}
