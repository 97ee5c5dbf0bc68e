import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * PostgreSQL: who runs what when several instances share the database. A row per subscription
 * (subscription:<name>), per job that runs on one instance at a time (job:<name>,
 * replay:<subscription>) and per live instance (instance:<id>). A lease belongs to its owner
 * until expires_at; the owner renews it, anyone may take it once expired. SQLite is used by
 * one process, which runs everything: no table.
 */
export class CreateLeases1796200547327 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query(
      `CREATE TABLE event_leases (
         name varchar(300) PRIMARY KEY,
         owner varchar(100) NOT NULL,
         acquired_at timestamptz NOT NULL,
         renewed_at timestamptz NOT NULL,
         expires_at timestamptz NOT NULL
       )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query('DROP TABLE event_leases');
  }
}
