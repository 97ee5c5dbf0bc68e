import {
  Table,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';
import { columnTypes } from '../../../database/column-types.js';

/**
 * Orders, and the simulated inventory (products, stock reservations) and payment service
 * (payments) their saga calls. The catalogue is seeded: `sold-out` has no stock, and three
 * `gizmo`s cost more than the payment limit, so each failure is reachable over HTTP.
 */
export class CreateOrders1732300000021 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'orders',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          /** JSON text: [{productId, quantity, priceCents}] */
          { name: 'items', type: 'text' },
          { name: 'total_cents', type: types.bigint },
          /** pending | cancelling | confirmed | cancelled (mirrors the saga) */
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'created_at', type: types.entityDate },
          { name: 'updated_at', type: types.entityDate },
        ],
      }),
    );
    await queryRunner.createIndices('orders', [
      new TableIndex({
        name: 'ix_orders_created',
        columnNames: ['created_at', 'id'],
      }),
      new TableIndex({ name: 'ix_orders_user', columnNames: ['user_id'] }),
      new TableIndex({ name: 'ix_orders_status', columnNames: ['status'] }),
    ]);
    await queryRunner.createTable(
      new Table({
        name: 'products',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'price_cents', type: types.bigint },
          /** Units available: not reserved, not sold. */
          { name: 'stock', type: 'integer' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'stock_reservations',
        columns: [
          { name: 'order_id', type: 'varchar', length: '36', isPrimary: true },
          {
            name: 'product_id',
            type: 'varchar',
            length: '64',
            isPrimary: true,
          },
          { name: 'quantity', type: 'integer' },
          /** reserved | committed (sold) | released */
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'updated_at', type: types.entityDate },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'payments',
        columns: [
          /** One payment per order: the order id is the idempotency key of a charge. */
          { name: 'order_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'id', type: 'varchar', length: '36' },
          { name: 'amount_cents', type: types.bigint },
          /** charged | refunded */
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'created_at', type: types.entityDate },
          { name: 'updated_at', type: types.entityDate },
        ],
      }),
    );
    for (const [id, name, priceCents, stock] of [
      ['widget', 'Widget', 2_500, 1_000],
      ['gadget', 'Gadget', 12_000, 500],
      ['gizmo', 'Gizmo', 400_000, 100],
      ['sold-out', 'Sold-out item', 1_500, 0],
    ] as const) {
      await queryRunner.query(
        queryRunner.connection.options.type === 'postgres'
          ? 'INSERT INTO products (id, name, price_cents, stock) VALUES ($1, $2, $3, $4)'
          : 'INSERT INTO products (id, name, price_cents, stock) VALUES (?, ?, ?, ?)',
        [id, name, priceCents, stock],
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('payments');
    await queryRunner.dropTable('stock_reservations');
    await queryRunner.dropTable('products');
    await queryRunner.dropTable('orders');
  }
}
