import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { uuidv7 } from '../../common/ids/uuid-v7.js';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import { UnitOfWork } from '../../events/index.js';
import { Payment } from '../data/payment.entity.js';
import { PaymentDeclinedError } from './order.errors.js';

/** Charges above this are declined (10,000.00). */
export const PAYMENT_LIMIT_CENTS = 1_000_000;

export interface Charge {
  paymentId: string;
  amountCents: number;
}

/**
 * A simulated payment service: one charge per order at most (the order id is the idempotency
 * key, as a real payment API's would be), refunds are idempotent, and amounts over
 * PAYMENT_LIMIT_CENTS are declined.
 */
@Injectable()
export class PaymentService {
  constructor(
    private readonly uow: UnitOfWork,
    @InjectRepository(Payment, READ_DATA_SOURCE)
    private readonly payments: Repository<Payment>,
  ) {}

  paymentOf(orderId: string): Promise<Payment | null> {
    return this.payments.findOneBy({ orderId });
  }

  charge(
    orderId: string,
    amountCents: number,
    signal: AbortSignal,
  ): Promise<Charge> {
    return this.uow.run(async (tx) => {
      signal.throwIfAborted();
      const existing = await tx.manager.findOneBy(Payment, { orderId });
      if (existing)
        return { paymentId: existing.id, amountCents: existing.amountCents };
      if (amountCents > PAYMENT_LIMIT_CENTS)
        throw new PaymentDeclinedError(amountCents, PAYMENT_LIMIT_CENTS);
      const now = new Date();
      const payment = {
        orderId,
        id: uuidv7(),
        amountCents,
        status: 'charged' as const,
        createdAt: now,
        updatedAt: now,
      };
      await tx.manager.insert(Payment, payment);
      return { paymentId: payment.id, amountCents };
    });
  }

  /** Pays the order's charge back, if there is one not yet refunded; returns it. */
  refund(orderId: string): Promise<Charge | null> {
    return this.uow.run(async (tx) => {
      const payment = await tx.manager.findOneBy(Payment, {
        orderId,
        status: 'charged',
      });
      if (!payment) return null;
      await tx.manager.update(
        Payment,
        { orderId },
        { status: 'refunded', updatedAt: new Date() },
      );
      return { paymentId: payment.id, amountCents: payment.amountCents };
    });
  }
}
