import Database from 'better-sqlite3';
import { Injectable, Module, type OnModuleDestroy } from '@nestjs/common';

/** Another process has the SQLite database open. */
export class DatabaseInUseError extends Error {}

/**
 * SQLite serves one process: a second one would run every subscription again (each side
 * effect twice) and race the first for its checkpoints. So each process holds an exclusive
 * SQLite lock on `<database>-instance.lock` for as long as it uses the database, and a second
 * process refuses to start. The operating system drops the lock when its holder dies, even by
 * SIGKILL, so a crash never leaves the database locked.
 */
@Injectable()
export class SqliteInstanceLock implements OnModuleDestroy {
  private held: Database.Database | undefined;

  /** Takes the lock on `databasePath`, or throws DatabaseInUseError. */
  hold(databasePath: string): void {
    if (this.held) return;
    const lockPath = `${databasePath}-instance.lock`;
    const lock = new Database(lockPath, { timeout: 0 });
    try {
      lock.pragma('locking_mode = EXCLUSIVE');
      lock.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      lock.close();
      if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY'))
        throw new DatabaseInUseError(
          `${databasePath} is in use by another process (it holds ${lockPath}). SQLite serves ` +
            'one process at a time: stop the other one, give this one its own database.path, or ' +
            'run several instances on PostgreSQL (docs/postgresql.md).',
        );
      throw error;
    }
    this.held = lock;
  }

  onModuleDestroy(): void {
    this.held?.close();
    this.held = undefined;
  }
}

@Module({ providers: [SqliteInstanceLock], exports: [SqliteInstanceLock] })
export class SqliteInstanceLockModule {}
