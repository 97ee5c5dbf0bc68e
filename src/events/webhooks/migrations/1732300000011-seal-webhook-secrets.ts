import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Webhook signing secrets are kept encrypted (AES-256-GCM, see secret-box.ts) in
 * `secret_ciphertext`. The plain-text `secret` column is renamed `plaintext_secret`: nothing
 * reads it any more except the start-up step that seals what an older version stored there and
 * empties it (sealPlaintextSecrets in src/events/webhooks/plaintext-secrets.ts).
 *
 * The sealing is a boot step, not part of this migration, because it needs the encryption
 * key: security.secret_key, or the key file generated outside production. Migrations run while
 * TypeORM opens its DataSource, are instantiated by TypeORM without arguments, and cannot see
 * the configuration; the boot step runs right after them, before any webhook is started.
 *
 * Both statements are the same in SQLite (3.25+) and PostgreSQL.
 */
export class SealWebhookSecrets1732300000011 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE webhook_subscriptions RENAME COLUMN secret TO plaintext_secret',
    );
    await queryRunner.query(
      'ALTER TABLE webhook_subscriptions ADD COLUMN secret_ciphertext text',
    );
  }

  /** Sealed secrets cannot be turned back into plain text here: those webhooks lose theirs. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE webhook_subscriptions DROP COLUMN secret_ciphertext',
    );
    await queryRunner.query(
      'ALTER TABLE webhook_subscriptions RENAME COLUMN plaintext_secret TO secret',
    );
  }
}
