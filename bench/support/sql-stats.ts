import Database from 'better-sqlite3';

export interface StatementCost {
  /** The SQL with literals replaced by # and repeated value rows folded. */
  statement: string;
  prepares: number;
  executions: number;
  ms: number;
}

interface Entry {
  prepares: number;
  executions: number;
  micros: number;
}

type Method = (this: Database.Statement, ...args: unknown[]) => unknown;

const entries = new Map<string, Entry>();
const keys = new Map<string, string>();
let installed = false;

/**
 * Counts, per SQL statement, how often better-sqlite3 prepares and executes it and the time the
 * executions take (for COMMIT with synchronous = FULL that includes the sync to disk). Patches
 * better-sqlite3 in this process only; the application code is left as it is.
 */
export function installSqlStats(): void {
  if (installed) return;
  installed = true;
  const prepare = Database.prototype.prepare;
  let statementPatched = false;
  Database.prototype.prepare = function (
    this: Database.Database,
    source: string,
  ) {
    const statement = prepare.call(this, source) as Database.Statement;
    entry(source).prepares++;
    if (!statementPatched) {
      statementPatched = true;
      const proto = Object.getPrototypeOf(statement) as Record<string, Method>;
      for (const name of ['run', 'all', 'get', 'iterate']) {
        proto[name] = timed(proto[name]);
      }
    }
    return statement;
  } as typeof prepare;
}

/** The frame CPU profiles show for SQLite's own work (statement execution in native code). */
function timed(original: Method): Method {
  return function sqliteExecute(this: Database.Statement, ...args: unknown[]) {
    const started = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      const stats = entry(this.source);
      stats.executions++;
      stats.micros += (performance.now() - started) * 1000;
    }
  };
}

export function resetSqlStats(): void {
  entries.clear();
}

export function sqlStats(top = 12): StatementCost[] {
  return [...entries]
    .sort(([, a], [, b]) => b.micros - a.micros)
    .slice(0, top)
    .map(([statement, { prepares, executions, micros }]) => ({
      statement,
      prepares,
      executions,
      ms: Math.round(micros / 100) / 10,
    }));
}

function entry(source: string): Entry {
  let key = keys.get(source);
  if (key === undefined) {
    key = normalize(source);
    if (keys.size < 10_000) keys.set(source, key);
  }
  let stats = entries.get(key);
  if (!stats) {
    stats = { prepares: 0, executions: 0, micros: 0 };
    entries.set(key, stats);
  }
  return stats;
}

function normalize(source: string): string {
  const text = source
    .replace(/\s+/g, ' ')
    .replace(/\b\d+\b/g, '#')
    .replace(/(\([^()]*\))(?:, \([^()]*\))+/g, '$1, ...');
  return text.length > 110 ? `${text.slice(0, 107)}...` : text;
}
