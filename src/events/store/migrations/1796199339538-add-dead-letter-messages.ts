import {
  TableColumn,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';
import { columnTypes } from '../../../database/column-types.js';

/**
 * Dead letters of messages that never became events (the NATS consumer parks what it cannot
 * store): the message's subject, its byte size and its first 64 KiB as base64. Null for
 * events parked by subscriptions.
 */
export class AddDeadLetterMessages1796199339538 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.addColumns('event_dead_letters', [
      new TableColumn({
        name: 'message_subject',
        type: 'text',
        isNullable: true,
      }),
      new TableColumn({
        name: 'message_size',
        type: types.bigint,
        isNullable: true,
      }),
      new TableColumn({
        name: 'message_body',
        type: 'text',
        isNullable: true,
      }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('event_dead_letters', [
      'message_subject',
      'message_size',
      'message_body',
    ]);
  }
}
