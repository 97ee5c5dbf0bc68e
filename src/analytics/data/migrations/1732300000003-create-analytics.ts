import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

export class CreateAnalytics1732300000003 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'analytics_daily_counts',
        columns: [
          { name: 'day', type: 'varchar', length: '10', isPrimary: true },
          { name: 'type', type: 'varchar', length: '255', isPrimary: true },
          { name: 'count', type: 'integer' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('analytics_daily_counts');
  }
}
