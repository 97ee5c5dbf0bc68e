import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes } from '../../../database/column-types.js';

/**
 * Webhook subscriptions created over HTTP. Each row is re-added as a durable subscription at
 * start; its checkpoint, counters and dead letters live with every other subscription's.
 */
export class CreateWebhookSubscriptions1732300000010 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'webhook_subscriptions',
        columns: [
          { name: 'name', type: 'varchar', length: '100', isPrimary: true },
          { name: 'pattern', type: 'varchar', length: '255' },
          { name: 'url', type: 'varchar', length: '2048' },
          /** structured | binary (CloudEvents HTTP content mode). */
          { name: 'mode', type: 'varchar', length: '16' },
          /** HMAC-SHA256 key for the signature header; null: unsigned. */
          { name: 'secret', type: 'varchar', length: '255', isNullable: true },
          /** now | beginning: where the subscription's checkpoint started. */
          { name: 'start_from', type: 'varchar', length: '16' },
          { name: 'created_at', type: types.instant },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('webhook_subscriptions');
  }
}
