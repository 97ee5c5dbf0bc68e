import {
  Table,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';
import { columnTypes } from '../../../database/column-types.js';

export class CreateAuditLog1732300000004 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'audit_log',
        columns: [
          { name: 'position', type: 'bigint', isPrimary: true },
          { name: 'event_id', type: 'varchar', length: '255' },
          { name: 'type', type: 'varchar', length: '255' },
          { name: 'source', type: 'varchar', length: '255' },
          {
            name: 'stream_id',
            type: 'varchar',
            length: '255',
            isNullable: true,
          },
          { name: 'correlation_id', type: 'varchar', length: '255' },
          {
            name: 'causation_id',
            type: 'varchar',
            length: '255',
            isNullable: true,
          },
          { name: 'actor', type: 'varchar', length: '255', isNullable: true },
          { name: 'occurred_at', type: types.entityDate },
          {
            name: 'audited_at',
            type: types.entityDate,
            default: types.entityDateDefault,
          },
        ],
      }),
    );
    await queryRunner.createIndices('audit_log', [
      new TableIndex({
        name: 'ix_audit_type',
        columnNames: ['type', 'position'],
      }),
      new TableIndex({
        name: 'ix_audit_stream',
        columnNames: ['stream_id', 'position'],
      }),
      new TableIndex({
        name: 'ix_audit_correlation',
        columnNames: ['correlation_id', 'position'],
      }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_log');
  }
}
