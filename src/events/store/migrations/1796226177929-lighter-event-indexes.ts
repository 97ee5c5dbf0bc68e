import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Every index on `events` is one more b-tree write per appended row, and the row append is
 * what bounds how fast events can be published (bench/throughput.bench.ts). Two of them paid
 * for nothing:
 *
 * - `ix_events_recorded_at`: no query reads it. Retention deletes the oldest rows below every
 *   checkpoint in position order, which the primary key serves (recorded_at only filters).
 * - SQLite's `ix_events_time_high_water` held every row. Only rows that raise the running
 *   maximum of event times record it now (the others leave it null), and the first row whose
 *   mark reaches T, the one a listing `since` T starts from, is always such a row: partial,
 *   the index has an entry per new maximum, not per event. Rows stored before keep their
 *   marks, which answer the same.
 */
export class LighterEventIndexes1796226177929 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX ix_events_recorded_at');
    if (queryRunner.connection.options.type === 'postgres') return;
    await queryRunner.query('DROP INDEX ix_events_time_high_water');
    await queryRunner.query(
      'CREATE INDEX ix_events_time_high_water ON events (time_high_water) WHERE time_high_water IS NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') {
      // Rows written since this migration carry no mark unless they raised the maximum:
      // the full index of AddTimeHighWater wants one on every row.
      await queryRunner.query(
        `UPDATE events SET time_high_water = marks.high_water
         FROM (SELECT position, MAX(time) OVER (ORDER BY position) AS high_water FROM events) AS marks
         WHERE marks.position = events.position AND events.time_high_water IS NULL`,
      );
      await queryRunner.query('DROP INDEX ix_events_time_high_water');
      await queryRunner.query(
        'CREATE INDEX ix_events_time_high_water ON events (time_high_water)',
      );
    }
    await queryRunner.query(
      'CREATE INDEX ix_events_recorded_at ON events (recorded_at)',
    );
  }
}
