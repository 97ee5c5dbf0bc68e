import Database from 'better-sqlite3';
import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { StorageUnavailableError } from '../events/errors/bus-unavailable.error.js';
import { isStorageFault } from './storage-fault.js';

function sqliteError(code: string): Error {
  return Object.assign(new Database.SqliteError('disk trouble', code));
}

function postgresError(code: string): Error {
  return Object.assign(new Error('from the server'), {
    code,
    severity: 'ERROR',
  });
}

const socketError = (code: string) =>
  Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });

describe('isStorageFault', () => {
  it.each([
    ['SQLITE_IOERR_WRITE', true],
    ['SQLITE_FULL', true],
    ['SQLITE_READONLY_DBMOVED', true],
    ['SQLITE_BUSY', true],
    ['SQLITE_CONSTRAINT_UNIQUE', false],
    ['SQLITE_ERROR', false],
  ])('an SQLite error %s: %s', (code, fault) => {
    expect(isStorageFault(sqliteError(code))).toBe(fault);
    expect(
      isStorageFault(new QueryFailedError('COMMIT', [], sqliteError(code))),
    ).toBe(fault);
  });

  it.each([
    ['53100', true],
    ['08006', true],
    ['57P01', true],
    ['25006', true],
    ['23505', false],
    ['40001', false],
  ])('a PostgreSQL error %s: %s', (code, fault) => {
    expect(
      isStorageFault(new QueryFailedError('SELECT 1', [], postgresError(code))),
    ).toBe(fault);
  });

  it('counts a lost database connection, but not a handler that cannot reach its own remote service', () => {
    const lost = new QueryFailedError(
      'SELECT 1',
      [],
      socketError('ECONNRESET'),
    );
    expect(isStorageFault(lost)).toBe(true);
    const terminated = new QueryFailedError(
      'SELECT 1',
      [],
      new Error('Connection terminated unexpectedly'),
    );
    expect(isStorageFault(terminated)).toBe(true);

    expect(isStorageFault(socketError('ECONNREFUSED'))).toBe(false);
    expect(
      isStorageFault(
        new Error('webhook failed', { cause: socketError('ECONNREFUSED') }),
      ),
    ).toBe(false);
  });

  it('follows causes to the writer refusal a handler passed on', () => {
    const refusal = new StorageUnavailableError(sqliteError('SQLITE_FULL'));
    expect(isStorageFault(refusal)).toBe(true);
    expect(
      isStorageFault(new Error('publish failed', { cause: refusal })),
    ).toBe(true);
    expect(isStorageFault(new Error('plain'))).toBe(false);
    expect(isStorageFault('text')).toBe(false);
  });
});
