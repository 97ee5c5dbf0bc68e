import {
  Table,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';
import { columnTypes } from '../../../database/column-types.js';

export class CreateEventStore1732300000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);

    await queryRunner.createTable(
      new Table({
        name: 'events',
        columns: [
          {
            name: 'position',
            type: types.sequence,
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'id', type: 'varchar', length: '255' },
          {
            name: 'type',
            type: 'varchar',
            length: '255',
            collation: types.binaryCollation,
          },
          { name: 'source', type: 'varchar', length: '255' },
          { name: 'subject', type: 'varchar', length: '255', isNullable: true },
          { name: 'datacontenttype', type: 'varchar', length: '255' },
          { name: 'time', type: types.instant },
          {
            name: 'stream_id',
            type: 'varchar',
            length: '255',
            isNullable: true,
          },
          { name: 'stream_version', type: 'integer', isNullable: true },
          { name: 'correlation_id', type: 'varchar', length: '255' },
          {
            name: 'causation_id',
            type: 'varchar',
            length: '255',
            isNullable: true,
          },
          { name: 'data', type: 'text', isNullable: true },
          { name: 'metadata', type: 'text' },
          { name: 'recorded_at', type: types.instant },
        ],
        uniques: [
          // CloudEvents identity: the same source + id again is a duplicate (spec 1.0, "id").
          { name: 'uq_events_id_source', columnNames: ['id', 'source'] },
          {
            name: 'uq_events_stream_version',
            columnNames: ['stream_id', 'stream_version'],
          },
        ],
      }),
    );
    // Each query filter reads one index in position order (keyset pagination).
    await queryRunner.createIndices('events', [
      new TableIndex({
        name: 'ix_events_type_position',
        columnNames: ['type', 'position'],
      }),
      new TableIndex({
        name: 'ix_events_correlation_position',
        columnNames: ['correlation_id', 'position'],
      }),
      new TableIndex({ name: 'ix_events_time', columnNames: ['time'] }),
      new TableIndex({
        name: 'ix_events_recorded_at',
        columnNames: ['recorded_at'],
      }),
    ]);

    await queryRunner.createTable(
      new Table({
        name: 'event_subscriptions',
        columns: [
          { name: 'name', type: 'varchar', length: '255', isPrimary: true },
          { name: 'position', type: types.bigint, default: 0 },
          { name: 'processed', type: types.bigint, default: 0 },
          { name: 'failed', type: types.bigint, default: 0 },
          { name: 'dead_lettered', type: types.bigint, default: 0 },
          { name: 'last_error', type: 'text', isNullable: true },
          { name: 'last_error_at', type: types.instant, isNullable: true },
          { name: 'updated_at', type: types.instant },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'event_dead_letters',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'subscription', type: 'varchar', length: '255' },
          { name: 'event_position', type: types.bigint },
          { name: 'event_id', type: 'varchar', length: '255' },
          { name: 'event_type', type: 'varchar', length: '255' },
          { name: 'attempts', type: 'integer' },
          { name: 'first_error', type: 'text' },
          { name: 'last_error', type: 'text' },
          { name: 'first_failed_at', type: types.instant },
          { name: 'last_failed_at', type: types.instant },
          { name: 'parked_at', type: types.instant },
        ],
        uniques: [
          {
            name: 'uq_dead_letters_subscription_event',
            columnNames: ['subscription', 'event_position'],
          },
        ],
      }),
    );
    await queryRunner.createIndex(
      'event_dead_letters',
      new TableIndex({
        name: 'ix_dead_letters_type',
        columnNames: ['event_type'],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('event_dead_letters');
    await queryRunner.dropTable('event_subscriptions');
    await queryRunner.dropTable('events');
  }
}
