import type { Database } from 'better-sqlite3';

export interface SqlitePragmas {
  synchronous: 'full' | 'normal';
  readOnly?: boolean;
}

/**
 * Connection set-up for every SQLite handle: WAL so readers never wait for the writer,
 * a busy timeout instead of instant SQLITE_BUSY, and a REGEXP function (SQLite has the
 * operator but no implementation) used by event type pattern filters.
 */
export function prepareSqliteConnection(
  db: Database,
  pragmas: SqlitePragmas,
): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${pragmas.synchronous.toUpperCase()}`);
  db.pragma('busy_timeout = 5000');
  if (pragmas.readOnly) db.pragma('query_only = ON');

  const compiled = new Map<string, RegExp>();
  db.function(
    'regexp',
    { deterministic: true },
    (pattern: unknown, value: unknown) => {
      if (typeof pattern !== 'string' || typeof value !== 'string') return 0;
      let regex = compiled.get(pattern);
      if (!regex) {
        regex = new RegExp(pattern);
        if (compiled.size > 256) compiled.clear();
        compiled.set(pattern, regex);
      }
      return regex.test(value) ? 1 : 0;
    },
  );
}
