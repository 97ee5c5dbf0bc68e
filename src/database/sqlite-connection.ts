import type { Database } from 'better-sqlite3';

export interface SqlitePragmas {
  synchronous: 'full' | 'normal';
  readOnly?: boolean;
  /** WAL pages after which a commit checkpoints on this connection (SQLite's default: 1,000). */
  walAutocheckpointPages?: number;
}

/**
 * Connection set-up for every SQLite handle: WAL so readers never wait for the writer,
 * a busy timeout instead of instant SQLITE_BUSY. No REGEXP function is registered: a
 * user-supplied regular expression run per row would block the process; event type
 * patterns are matched in code (see EventPattern).
 */
export function prepareSqliteConnection(
  db: Database,
  pragmas: SqlitePragmas,
): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${pragmas.synchronous.toUpperCase()}`);
  db.pragma('busy_timeout = 5000');
  if (pragmas.readOnly) db.pragma('query_only = ON');
  if (pragmas.walAutocheckpointPages !== undefined)
    db.pragma(`wal_autocheckpoint = ${pragmas.walAutocheckpointPages}`);
}
