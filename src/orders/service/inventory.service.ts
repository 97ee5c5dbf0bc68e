import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, type Repository } from 'typeorm';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import { UnitOfWork } from '../../events/index.js';
import type { OrderLine } from '../data/order.entity.js';
import { Product } from '../data/product.entity.js';
import { StockReservation } from '../data/stock-reservation.entity.js';
import { OutOfStockError } from './order.errors.js';

export interface StockLine {
  productId: string;
  quantity: number;
}

/**
 * A simulated inventory service. It lives in this database, but the saga treats it as a remote
 * service: every call is its own transaction and idempotent per order (the reservation rows
 * are keyed by order and product), so a call repeated after a crash or a timeout changes
 * nothing twice.
 */
@Injectable()
export class InventoryService {
  constructor(
    private readonly uow: UnitOfWork,
    @InjectRepository(Product, READ_DATA_SOURCE)
    private readonly products: Repository<Product>,
    @InjectRepository(StockReservation, READ_DATA_SOURCE)
    private readonly reservations: Repository<StockReservation>,
  ) {}

  catalogue(): Promise<Product[]> {
    return this.products.find({ order: { id: 'ASC' } });
  }

  reservationsOf(orderId: string): Promise<StockReservation[]> {
    return this.reservations.find({
      where: { orderId },
      order: { productId: 'ASC' },
    });
  }

  /**
   * Holds every line of the order, or none (OutOfStockError). Asking again for an order that
   * already holds stock answers what it holds. `signal` is checked inside the transaction: a
   * call that timed out while waiting for the writer reserves nothing.
   */
  reserve(
    orderId: string,
    lines: OrderLine[],
    signal: AbortSignal,
  ): Promise<StockLine[]> {
    return this.uow.run(async (tx) => {
      signal.throwIfAborted();
      const held = await tx.manager.findBy(StockReservation, { orderId });
      if (held.length > 0) return held.map(toStockLine);
      const now = new Date();
      for (const { productId, quantity } of lines) {
        const taken = await tx.manager
          .createQueryBuilder()
          .update(Product)
          .set({ stock: () => 'stock - :quantity' })
          .where('id = :productId AND stock >= :quantity', {
            productId,
            quantity,
          })
          .execute();
        if (taken.affected !== 1) {
          const product = await tx.manager.findOneBy(Product, {
            id: productId,
          });
          // Thrown inside the unit: the lines taken so far roll back with it.
          throw new OutOfStockError(productId, quantity, product?.stock ?? 0);
        }
        await tx.manager.insert(StockReservation, {
          orderId,
          productId,
          quantity,
          status: 'reserved',
          updatedAt: now,
        });
      }
      return lines.map(toStockLine);
    });
  }

  /** Puts everything the order holds (reserved or sold) back; idempotent. Returns what moved. */
  release(orderId: string): Promise<StockLine[]> {
    return this.uow.run(async (tx) => {
      const held = await tx.manager.findBy(StockReservation, {
        orderId,
        status: Not('released'),
      });
      const now = new Date();
      for (const line of held) {
        await tx.manager.increment(
          Product,
          { id: line.productId },
          'stock',
          line.quantity,
        );
        await tx.manager.update(
          StockReservation,
          { orderId, productId: line.productId },
          { status: 'released', updatedAt: now },
        );
      }
      return held.map(toStockLine);
    });
  }

  /** The held stock is sold; idempotent. */
  commit(orderId: string, signal: AbortSignal): Promise<number> {
    return this.uow.run(async (tx) => {
      signal.throwIfAborted();
      const result = await tx.manager.update(
        StockReservation,
        { orderId, status: 'reserved' },
        { status: 'committed', updatedAt: new Date() },
      );
      return result.affected ?? 0;
    });
  }
}

function toStockLine(line: StockLine): StockLine {
  return { productId: line.productId, quantity: line.quantity };
}
