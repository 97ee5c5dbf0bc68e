import { Column, Entity, PrimaryColumn } from 'typeorm';
import { integerAsText } from '../../database/integer-as-text.transformer.js';

/** reserved: held for an order in progress; committed: sold; released: given back. */
export type ReservationStatus = 'reserved' | 'committed' | 'released';

/** Units of one product held for one order: (order, product) is unique, so reserving is idempotent. */
@Entity('stock_reservations')
export class StockReservation {
  @PrimaryColumn({ name: 'order_id', type: 'varchar', length: 36 })
  orderId: string;

  @PrimaryColumn({ name: 'product_id', type: 'varchar', length: 64 })
  productId: string;

  @Column({ type: 'integer', transformer: integerAsText })
  quantity: number;

  @Column({ type: 'varchar', length: 16 })
  status: ReservationStatus;

  @Column({ name: 'updated_at' })
  updatedAt: Date;
}
