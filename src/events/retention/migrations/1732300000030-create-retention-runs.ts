import {
  Table,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';
import { columnTypes } from '../../../database/column-types.js';

/** One row per retention run that pruned events: what GET /events/stats reports. */
export class CreateRetentionRuns1732300000030 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'event_retention_runs',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'ran_at', type: types.instant },
          /** Events recorded before this instant were old enough. */
          { name: 'cutoff', type: types.instant },
          /** The lowest checkpoint: nothing after it was eligible. */
          { name: 'up_to_position', type: types.bigint },
          { name: 'pruned', type: types.bigint },
        ],
      }),
    );
    await queryRunner.createIndex(
      'event_retention_runs',
      new TableIndex({ name: 'ix_retention_ran_at', columnNames: ['ran_at'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('event_retention_runs');
  }
}
