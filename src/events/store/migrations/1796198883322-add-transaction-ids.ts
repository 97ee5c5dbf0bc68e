import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes } from '../../../database/column-types.js';

/** The LISTEN/NOTIFY channel of new events; fixed here, as the migration wrote it. */
const EVENTS_CHANNEL = 'events_committed';

/**
 * On PostgreSQL, positions come from a sequence and concurrent transactions commit them out of
 * order, so readers follow the log by (transaction id, position) instead and read only below
 * the oldest transaction still running (see event-cursor.ts). Each event row records the id of
 * the transaction that wrote it; each checkpoint records the pair it has reached. SQLite has
 * one writer, commits in position order and keeps reading by position: its checkpoints' txid
 * stays 0.
 */
export class AddTransactionIds1796198883322 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.query(
      `ALTER TABLE event_subscriptions ADD COLUMN txid ${types.bigint} NOT NULL DEFAULT 0`,
    );
    if (queryRunner.connection.options.type !== 'postgres') return;
    // Rows already stored take this statement's transaction id, all the same: in that
    // transaction, position order holds, so the pair (txid, position) keeps their order.
    await queryRunner.query(
      'ALTER TABLE events ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()',
    );
    // Existing checkpoints sit inside that one transaction, at their position.
    await queryRunner.query(
      'UPDATE event_subscriptions SET txid = COALESCE((SELECT MAX(txid)::text::bigint FROM events), 0)',
    );
    await queryRunner.query(
      'CREATE INDEX ix_events_txid_position ON events (txid, position)',
    );
    await queryRunner.query(
      'CREATE INDEX ix_events_type_txid_position ON events (type, txid, position)',
    );
    await queryRunner.query(
      'CREATE INDEX ix_events_correlation_txid_position ON events (correlation_id, txid, position)',
    );
    // Every transaction that adds events wakes the other instances' readers at its COMMIT
    // (PostgreSQL folds a transaction's identical notifications into one), whoever wrote them.
    await queryRunner.query(
      `CREATE FUNCTION notify_events_committed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN PERFORM pg_notify('${EVENTS_CHANNEL}', ''); RETURN NULL; END $$`,
    );
    await queryRunner.query(
      'CREATE TRIGGER events_committed AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION notify_events_committed()',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.query('DROP TRIGGER events_committed ON events');
      await queryRunner.query('DROP FUNCTION notify_events_committed()');
      await queryRunner.query('DROP INDEX ix_events_correlation_txid_position');
      await queryRunner.query('DROP INDEX ix_events_type_txid_position');
      await queryRunner.query('DROP INDEX ix_events_txid_position');
      await queryRunner.query('ALTER TABLE events DROP COLUMN txid');
    }
    await queryRunner.query('ALTER TABLE event_subscriptions DROP COLUMN txid');
  }
}
