import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * SQLite: each event row records the latest `time` of any event up to its position (a running
 * maximum, so it never decreases along the log). Event times follow no order the log is kept
 * in, but every row before the first one whose high-water mark reaches T has a time before T:
 * a listing `since` T starts there, found through the index, instead of reading the log from
 * its start. PostgreSQL, whose concurrent writers cannot keep a running maximum, lists time
 * bounds by plain keyset reads and has no column.
 */
export class AddTimeHighWater1796212155265 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') return;
    await queryRunner.query(
      'ALTER TABLE events ADD COLUMN time_high_water text',
    );
    await queryRunner.query(
      `UPDATE events SET time_high_water = marks.high_water
       FROM (SELECT position, MAX(time) OVER (ORDER BY position) AS high_water FROM events) AS marks
       WHERE marks.position = events.position`,
    );
    await queryRunner.query(
      'CREATE INDEX ix_events_time_high_water ON events (time_high_water)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') return;
    await queryRunner.query('DROP INDEX ix_events_time_high_water');
    await queryRunner.query('ALTER TABLE events DROP COLUMN time_high_water');
  }
}
