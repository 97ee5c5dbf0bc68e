import {
  Table,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';
import { columnTypes } from '../../../database/column-types.js';

export class CreateUsers1732300000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'email', type: 'varchar', length: '320' },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'version', type: 'integer' },
          {
            name: 'created_at',
            type: types.entityDate,
            default: types.entityDateDefault,
          },
          {
            name: 'updated_at',
            type: types.entityDate,
            default: types.entityDateDefault,
          },
        ],
      }),
    );
    await queryRunner.createIndex(
      'users',
      new TableIndex({
        name: 'uq_users_email',
        columnNames: ['email'],
        isUnique: true,
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('users');
  }
}
