import type { Database, Statement } from 'better-sqlite3';
import type { DataSource } from 'typeorm';

// As many statements as the read connection's own cache keeps (see readerOptions).
const MAX_STATEMENTS = 200;

/**
 * Reads straight from the SQLite read connection's better-sqlite3 handle, each statement
 * prepared once, each row an array of its columns in SELECT order (or, for small rows read by
 * name, an object). TypeORM's query() has the driver build every row as an object, property
 * by property in native code, and passes each call through its logger and subscribers: on a
 * page of events that costs more than SQLite's own reading. Callers name the columns
 * themselves (see eventRowOf).
 */
export class SqliteRows {
  private readonly statements = new Map<string, Statement>();
  private connection: Database | undefined;

  private constructor(
    private readonly driver: { databaseConnection: Database },
  ) {}

  /** Undefined on PostgreSQL, whose driver hands rows over as objects anyway. */
  static of(dataSource: DataSource): SqliteRows | undefined {
    return dataSource.options.type === 'better-sqlite3'
      ? new SqliteRows(
          dataSource.driver as unknown as { databaseConnection: Database },
        )
      : undefined;
  }

  all(sql: string, parameters: unknown[]): unknown[][] {
    return this.statement(sql, true).all(...parameters) as unknown[][];
  }

  /** Each row an object keyed by column name, for small rows a caller reads by name. */
  objects<T>(sql: string, parameters: unknown[]): T[] {
    return this.statement(sql, false).all(...parameters) as T[];
  }

  private statement(sql: string, raw: boolean): Statement {
    // The handle is read on every call: statements belong to the connection that prepared them.
    const connection = this.driver.databaseConnection;
    if (connection !== this.connection) {
      this.statements.clear();
      this.connection = connection;
    }
    // A statement hands rows over either as arrays or as objects: one of each per text.
    const key = raw ? `raw:${sql}` : `objects:${sql}`;
    let statement = this.statements.get(key);
    if (statement === undefined) {
      statement = connection.prepare(sql).raw(raw);
      if (this.statements.size >= MAX_STATEMENTS)
        this.statements.delete(this.statements.keys().next().value as string);
      this.statements.set(key, statement);
    }
    return statement;
  }
}
