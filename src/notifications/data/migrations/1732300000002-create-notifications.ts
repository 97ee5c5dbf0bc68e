import {
  Table,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';
import { columnTypes } from '../../../database/column-types.js';

export class CreateNotifications1732300000002 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'notifications',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'channel', type: 'varchar', length: '20' },
          { name: 'recipient', type: 'varchar', length: '320' },
          { name: 'subject', type: 'varchar', length: '200' },
          { name: 'body', type: 'text' },
          { name: 'event_id', type: 'varchar', length: '255' },
          {
            name: 'created_at',
            type: types.entityDate,
            default: types.entityDateDefault,
          },
        ],
      }),
    );
    await queryRunner.createIndices('notifications', [
      new TableIndex({
        name: 'ix_notifications_user',
        columnNames: ['user_id'],
      }),
      new TableIndex({
        name: 'uq_notifications_event',
        columnNames: ['event_id'],
        isUnique: true,
      }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('notifications');
  }
}
