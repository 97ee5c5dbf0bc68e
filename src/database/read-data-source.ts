/**
 * Name of the TypeORM data source that only reads. On SQLite it is a second connection to the
 * same file: in WAL mode it sees committed data only, never a write transaction in progress on
 * the writer connection. Query-side code (event reads, GET endpoints) injects it by this name.
 */
export const READ_DATA_SOURCE = 'read';
