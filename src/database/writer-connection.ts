import type { DataSource, QueryRunner } from 'typeorm';
import {
  commitOutcome,
  writtenTransactionId,
  type CommitOutcome,
} from './commit-outcome.js';

interface SqliteDriver {
  queryRunner?: QueryRunner;
  databaseConnection: {
    open: boolean;
    inTransaction: boolean;
    exec(sql: string): unknown;
    close(): unknown;
  };
  createDatabaseConnection(): Promise<SqliteDriver['databaseConnection']>;
}

/** node-postgres reports the transaction status of every ReadyForQuery ('I' idle, 'T', 'E'). */
interface PostgresRunner {
  databaseConnection?: { getTransactionStatus?(): string | null };
}

/**
 * The writer's hold on its connection, and the one place that knows how each engine leaves a
 * connection after a failed COMMIT or ROLLBACK.
 *
 * SQLite rolls a transaction back by itself on SQLITE_IOERR, SQLITE_FULL and friends, so the
 * writer's own ROLLBACK then fails with "no transaction is active", while TypeORM's single shared
 * query runner still counts a transaction as open: its next "BEGIN" would only be a SAVEPOINT and
 * its next "COMMIT" a RELEASE. So after any failure the real state is read from the connection
 * (better-sqlite3's `inTransaction`), an open transaction is rolled back, the connection is
 * opened afresh and the query runner replaced so its bookkeeping starts from zero. PostgreSQL
 * hands each group a pooled connection: after a failure it is rolled back, and a connection that
 * cannot do that is dropped by the pool.
 *
 * Either engine also says for sure whether a connection is inside a transaction; TypeORM's own
 * count can be wrong, and then its COMMIT is only a RELEASE SAVEPOINT. So a group is
 * acknowledged only once its connection is outside any transaction after COMMIT, and a pooled
 * connection someone released inside a transaction is rolled back before a group starts on it.
 */
export class WriterConnection {
  private readonly sqlite: SqliteDriver | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly warn: (message: string) => void,
  ) {
    this.sqlite =
      dataSource.options.type === 'better-sqlite3'
        ? (dataSource.driver as unknown as SqliteDriver)
        : undefined;
  }

  async open(): Promise<QueryRunner> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    if (!this.outsideTransaction(runner)) {
      // Its writes were never committed and must not be committed with the group's; its locks
      // would otherwise be held until the connection happened to be used again.
      await runner.query('ROLLBACK');
      this.warn(
        'a pooled connection was handed back inside a transaction (released without COMMIT or ROLLBACK); rolled it back before writing',
      );
    }
    return runner;
  }

  /** Whether the connection is outside any transaction, as the engine (not TypeORM) reports it. */
  outsideTransaction(runner: QueryRunner): boolean {
    if (this.sqlite) return !this.sqlite.databaseConnection.inTransaction;
    const status = (
      runner as PostgresRunner
    ).databaseConnection?.getTransactionStatus?.();
    return status === undefined || status === null || status === 'I';
  }

  /**
   * Whether the group's transaction is still open on the connection. SQLite can tell for sure;
   * for PostgreSQL a failed statement inside a savepoint leaves the transaction usable.
   */
  transactionAlive(): boolean {
    return this.sqlite ? this.sqlite.databaseConnection.inTransaction : true;
  }

  /**
   * The id to look the transaction up by if its COMMIT goes unanswered: PostgreSQL only (a
   * failed SQLite COMMIT is reported by the library in the same process, never lost on a wire).
   */
  async transactionId(runner: QueryRunner): Promise<string | null> {
    return this.sqlite ? null : writtenTransactionId(runner);
  }

  /** Whether the transaction of a COMMIT that failed was recorded all the same. */
  commitOutcome(transactionId: string): Promise<CommitOutcome> {
    return commitOutcome(this.dataSource, transactionId);
  }

  async release(runner: QueryRunner): Promise<void> {
    await runner.release().catch(() => undefined);
  }

  /**
   * Leaves the connection outside any transaction, with fresh bookkeeping, whatever state the
   * failure left it in. Throws when the connection could not be brought back (the caller keeps
   * the writer faulted and tries again later).
   */
  async recover(runner: QueryRunner): Promise<void> {
    if (!this.sqlite) {
      // A connection that cannot roll back is broken; the pool drops broken clients itself.
      await runner.query('ROLLBACK').catch(() => undefined);
      await this.release(runner);
      return;
    }
    const driver = this.sqlite;
    if (driver.queryRunner === runner) driver.queryRunner = undefined;
    // Closing rolls back whatever the connection still held. A new connection also sees the file
    // as it is now: one opened read-only (SQLite falls back to that when it cannot open the file
    // for writing) would otherwise stay read-only after the file became writable again.
    const connection = driver.databaseConnection;
    if (connection.open) {
      try {
        if (connection.inTransaction) connection.exec('ROLLBACK');
      } catch {
        // closing below rolls back all the same
      }
      connection.close();
    }
    driver.databaseConnection = await driver.createDatabaseConnection();
  }
}
