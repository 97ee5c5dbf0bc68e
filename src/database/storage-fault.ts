/**
 * Whether an error means the database cannot be written right now (an I/O error, a full disk, a
 * read-only file, a lost connection) rather than that the statement itself was wrong. Such a
 * fault is nobody's request's fault: writes answer 503 and handlers pause instead of failing.
 *
 * SQLite result codes: https://www.sqlite.org/rescode.html (extended codes keep their primary
 * code as a prefix, e.g. SQLITE_IOERR_WRITE). PostgreSQL SQLSTATE classes: 08 connection
 * exception, 53 insufficient resources (53100 disk_full), 57P0x operator intervention, 58 system
 * error (58030 io_error), 25006 read_only_sql_transaction.
 */
const SQLITE_FAULTS = [
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_READONLY',
  'SQLITE_CANTOPEN',
  'SQLITE_BUSY',
  'SQLITE_NOMEM',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_PROTOCOL',
];
const POSTGRES_FAULT_CLASSES = ['08', '53', '58'];
const POSTGRES_FAULTS = new Set(['57P01', '57P02', '57P03', '25006']);
const SOCKET_FAULTS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOSPC',
  'EIO',
  'EROFS',
]);
// node-postgres reports a dropped connection without a code.
const POSTGRES_CONNECTION_LOST = [
  'Connection terminated',
  'Client has encountered a connection error',
  'timeout exceeded when trying to connect',
];
const MAX_DEPTH = 6;

export function isStorageFault(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_DEPTH && current; depth++) {
    if (typeof current !== 'object') return false;
    const declared = (current as { storageFault?: unknown }).storageFault;
    if (declared === true) return true;
    // An error that knows it is none (a webhook receiver refusing connections) says so.
    if (declared === false) return false;
    if (isDatabaseFault(current)) return true;
    // TypeORM's QueryFailedError carries what the driver threw.
    const driverError = (current as { driverError?: unknown }).driverError;
    if (driverError && isDriverFault(driverError)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * An error raised by a database driver itself: better-sqlite3's SqliteError (codes SQLITE_*)
 * or node-postgres' DatabaseError (five-character SQLSTATE). A socket error code alone is no
 * proof: a handler's own HTTP call fails with ECONNREFUSED too, and that is its failure.
 */
function isDatabaseFault(error: object): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  if (code.startsWith('SQLITE_'))
    return SQLITE_FAULTS.some((fault) => code.startsWith(fault));
  const fromPostgres = (error as { severity?: unknown }).severity !== undefined;
  return (
    fromPostgres &&
    (POSTGRES_FAULTS.has(code) ||
      (code.length === 5 && POSTGRES_FAULT_CLASSES.includes(code.slice(0, 2))))
  );
}

/** What the driver threw during a query: here a lost socket is the database's. */
function isDriverFault(driverError: unknown): boolean {
  if (typeof driverError !== 'object' || driverError === null) return false;
  if (isDatabaseFault(driverError)) return true;
  const code = (driverError as { code?: unknown }).code;
  if (typeof code === 'string' && SOCKET_FAULTS.has(code)) return true;
  const message = (driverError as { message?: unknown }).message;
  return (
    typeof message === 'string' &&
    POSTGRES_CONNECTION_LOST.some((text) => message.startsWith(text))
  );
}
