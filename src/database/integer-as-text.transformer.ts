import type { ValueTransformer } from 'typeorm';

/**
 * For integer columns written through TypeORM's query builder. TypeORM's SQLite driver writes
 * number parameters into the SQL text, so every new value compiles a new statement and pushes
 * others out of the statement cache; as text they stay bound parameters (SQLite stores numeric
 * text in an INTEGER column as an integer, PostgreSQL casts it). Reads come back as numbers
 * (PostgreSQL returns bigint as text).
 */
export const integerAsText: ValueTransformer = {
  to: (value: number | null | undefined) =>
    value === null || value === undefined ? value : String(value),
  from: (value: string | number | null) =>
    value === null ? value : Number(value),
};
