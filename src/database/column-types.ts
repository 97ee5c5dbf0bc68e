import type { QueryRunner } from 'typeorm';

/**
 * The one place where schema differences between SQLite and PostgreSQL are spelled out.
 * Migrations ask for a logical type; each dialect answers with its column type.
 */
export interface ColumnTypes {
  /** Auto-incrementing 64-bit key (SQLite rowid alias, PostgreSQL bigserial). */
  sequence: string;
  bigint: string;
  /** Instant with millisecond precision (ISO-8601 UTC text in SQLite, timestamptz in PostgreSQL). */
  instant: string;
  /** What TypeORM's @CreateDateColumn/@UpdateDateColumn map to, and their default. */
  entityDate: string;
  entityDateDefault: string;
  /** Byte-wise ordering, so prefix ranges on text columns mean what they say (SQLite's default). */
  binaryCollation?: string;
}

const SQLITE: ColumnTypes = {
  sequence: 'integer',
  bigint: 'integer',
  instant: 'text',
  entityDate: 'datetime',
  entityDateDefault: "datetime('now')",
};

const POSTGRES: ColumnTypes = {
  sequence: 'bigint',
  bigint: 'bigint',
  instant: 'timestamptz',
  entityDate: 'timestamp',
  entityDateDefault: 'now()',
  binaryCollation: 'C',
};

export function columnTypes(queryRunner: QueryRunner): ColumnTypes {
  return queryRunner.connection.options.type === 'postgres' ? POSTGRES : SQLITE;
}
