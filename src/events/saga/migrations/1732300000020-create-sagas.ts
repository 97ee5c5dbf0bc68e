import {
  Table,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';
import { columnTypes } from '../../../database/column-types.js';

/** Saga instances (src/events/saga): state, step results and history, one row each. */
export class CreateSagas1732300000020 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'sagas',
        columns: [
          { name: 'saga', type: 'varchar', length: '100', isPrimary: true },
          { name: 'id', type: 'varchar', length: '100', isPrimary: true },
          { name: 'stream_id', type: 'varchar', length: '255' },
          /** running | compensating | completed | cancelled */
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'next_step', type: 'integer' },
          /** JSON text: the saga's input, step results, history, failure. */
          { name: 'data', type: 'text' },
          { name: 'results', type: 'text' },
          { name: 'history', type: 'text' },
          { name: 'failure', type: 'text', isNullable: true },
          { name: 'version', type: 'integer' },
          /** The saga's newest own event: the only one that may wake it. */
          {
            name: 'last_event_id',
            type: 'varchar',
            length: '255',
            isNullable: true,
          },
          { name: 'revision', type: 'integer' },
          {
            name: 'correlation_id',
            type: 'varchar',
            length: '255',
            isNullable: true,
          },
          /** Epoch ms after which the sweep drives a stalled instance; null once ended. */
          { name: 'wake_at', type: types.bigint, isNullable: true },
          { name: 'created_at', type: types.instant },
          { name: 'updated_at', type: types.instant },
        ],
      }),
    );
    await queryRunner.createIndices('sagas', [
      new TableIndex({
        name: 'uq_sagas_stream',
        columnNames: ['stream_id'],
        isUnique: true,
      }),
      new TableIndex({
        name: 'ix_sagas_wake_at',
        columnNames: ['saga', 'wake_at'],
      }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('sagas');
  }
}
