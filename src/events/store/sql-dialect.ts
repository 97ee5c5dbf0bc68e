import type { DataSource } from 'typeorm';

/**
 * The event store's SQL is written once, with `?` placeholders and portable syntax
 * (INSERT ... RETURNING, ON CONFLICT). This class holds the few spots where SQLite and
 * PostgreSQL differ.
 */
export class SqlDialect {
  private readonly translated = new Map<string, string>();

  constructor(readonly kind: 'sqlite' | 'postgres') {}

  static of(dataSource: DataSource): SqlDialect {
    return new SqlDialect(
      dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite',
    );
  }

  /** Bound parameters per statement, below each engine's hard limit. */
  get maxParameters(): number {
    return this.kind === 'postgres' ? 65_000 : 32_000;
  }

  /** PostgreSQL numbers its placeholders ($1, $2, ...). */
  sql(text: string): string {
    if (this.kind === 'sqlite') return text;
    let result = this.translated.get(text);
    if (result === undefined) {
      let index = 0;
      result = text.replace(/\?/g, () => `$${++index}`);
      this.translated.set(text, result);
    }
    return result;
  }

  /** PostgreSQL hands bigint back as text and timestamptz as Date; callers want numbers and ISO strings. */
  toNumber(value: unknown): number {
    return typeof value === 'number' ? value : Number(value);
  }

  toIso(value: unknown): string {
    return value instanceof Date ? value.toISOString() : String(value);
  }
}
