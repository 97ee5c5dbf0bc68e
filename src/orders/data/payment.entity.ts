import { Column, Entity, PrimaryColumn } from 'typeorm';
import { integerAsText } from '../../database/integer-as-text.transformer.js';

export type PaymentStatus = 'charged' | 'refunded';

/** A charge of the simulated payment service; at most one per order (the idempotency key). */
@Entity('payments')
export class Payment {
  @PrimaryColumn({ name: 'order_id', type: 'varchar', length: 36 })
  orderId: string;

  @Column({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'amount_cents', type: 'bigint', transformer: integerAsText })
  amountCents: number;

  @Column({ type: 'varchar', length: 16 })
  status: PaymentStatus;

  @Column({ name: 'created_at' })
  createdAt: Date;

  @Column({ name: 'updated_at' })
  updatedAt: Date;
}
