import {
  Table,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';
import { columnTypes } from '../../../database/column-types.js';

export class Create{{Names}}{{timestamp}} implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: '{{table}}',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'status', type: 'varchar', length: '20' },
          {
            name: 'created_at',
            type: types.entityDate,
            default: types.entityDateDefault,
          },
        ],
      }),
    );
    // GET /{{name}} lists oldest first.
    await queryRunner.createIndex(
      '{{table}}',
      new TableIndex({
        name: 'ix_{{table}}_created',
        columnNames: ['created_at', 'id'],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('{{table}}');
  }
}
