import { Column, Entity, PrimaryColumn } from 'typeorm';
import { integerAsText } from '../../database/integer-as-text.transformer.js';

export interface OrderLine {
  productId: string;
  quantity: number;
  priceCents: number;
}

/** pending → confirmed, or pending → cancelling → cancelled: a mirror of the order's saga. */
export type OrderStatus = 'pending' | 'cancelling' | 'confirmed' | 'cancelled';

const jsonText = {
  to: (value: OrderLine[]) => JSON.stringify(value),
  from: (value: string) => JSON.parse(value) as OrderLine[],
};

@Entity('orders')
export class Order {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @Column({ type: 'text', transformer: jsonText })
  items: OrderLine[];

  @Column({ name: 'total_cents', type: 'bigint', transformer: integerAsText })
  totalCents: number;

  @Column({ type: 'varchar', length: 16 })
  status: OrderStatus;

  // No explicit type: TypeORM maps Date to each dialect's datetime column.
  @Column({ name: 'created_at' })
  createdAt: Date;

  @Column({ name: 'updated_at' })
  updatedAt: Date;
}
