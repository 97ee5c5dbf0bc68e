import type { DataSource } from 'typeorm';
import type { LogCursor } from './event-cursor.js';

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

  /**
   * The order readers follow the log in (see event-cursor.ts): by (transaction id, position) on
   * PostgreSQL, by position on SQLite.
   */
  logOrder(direction: 'ASC' | 'DESC' = 'ASC'): string {
    return this.kind === 'postgres'
      ? `txid ${direction}, position ${direction}`
      : `position ${direction}`;
  }

  /** Rows after (`>`), before (`<`) or up to (`<=`) a cursor in log order. */
  beyond(
    cursor: LogCursor,
    comparison: '>' | '<' | '<=' = '>',
  ): { condition: string; parameters: unknown[] } {
    return this.kind === 'postgres'
      ? {
          condition: `(txid, position) ${comparison} (?::xid8, ?)`,
          parameters: [String(cursor.txid), cursor.position],
        }
      : {
          condition: `position ${comparison} ?`,
          parameters: [cursor.position],
        };
  }

  /**
   * Rows no running transaction can add to any more: written by a transaction older than the
   * oldest one still running. Always true on SQLite, whose single writer commits in order.
   */
  get settled(): string {
    return this.kind === 'postgres'
      ? 'txid < pg_snapshot_xmin(pg_current_snapshot())'
      : '1 = 1';
  }

  /**
   * A column no index may be chosen for (SQLite's unary plus; PostgreSQL plans by statistics).
   * SQLite keeps none, so it takes `stream_id IS NULL` for a selective lookup on the stream
   * index, then reads and sorts every event outside a stream, where the key range was the bound.
   */
  unindexed(column: string): string {
    return this.kind === 'sqlite' ? `+${column}` : column;
  }

  /** The transaction id as a select column (with a leading comma), or nothing on SQLite. */
  get txidColumn(): string {
    return this.kind === 'postgres' ? ', txid::text AS txid' : '';
  }

  /** A row's cursor from its `position` and (PostgreSQL) `txid` columns. */
  cursorOfRow(row: { position: unknown; txid?: unknown }): LogCursor {
    return {
      txid: row.txid == null ? 0 : this.toNumber(row.txid),
      position: this.toNumber(row.position),
    };
  }
}
