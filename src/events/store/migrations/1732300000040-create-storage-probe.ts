import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes } from '../../../database/column-types.js';

/**
 * One row the writer rewrites to find out whether the database takes writes again after an
 * I/O error, a full disk or a read-only file (and, at start, whether it takes writes at all).
 */
export class CreateStorageProbe1732300000040 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'storage_probe',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'touched_at', type: types.instant },
        ],
      }),
    );
    await queryRunner.query(
      `INSERT INTO storage_probe (id, touched_at) VALUES (1, ${queryRunner.connection.options.type === 'postgres' ? '$1' : '?'})`,
      [new Date().toISOString()],
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('storage_probe');
  }
}
