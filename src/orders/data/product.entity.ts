import { Column, Entity, PrimaryColumn } from 'typeorm';
import { integerAsText } from '../../database/integer-as-text.transformer.js';

/** The simulated inventory's catalogue (seeded by the orders migration). */
@Entity('products')
export class Product {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ name: 'price_cents', type: 'bigint', transformer: integerAsText })
  priceCents: number;

  /** Units available to reserve. */
  @Column({ type: 'integer', transformer: integerAsText })
  stock: number;
}
