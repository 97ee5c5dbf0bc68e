import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { collectMigrations } from './migration-collector.js';
import {
  SqliteInstanceLock,
  SqliteInstanceLockModule,
} from './sqlite-instance-lock.js';
import {
  readerOptions,
  sqlitePath,
  writerOptions,
  type StorageSettings,
} from './data-source.options.js';
import { openWriterDataSource } from './locked-migrations.js';
import { READ_DATA_SOURCE } from './read-data-source.js';
import { WalCheckpoints } from './wal-checkpoints.js';

function storage(config: ConfigService<AppConfig, true>): StorageSettings {
  return {
    database: config.get('database', { infer: true }),
    store: config.get('event.store', { infer: true }),
  };
}

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      imports: [SqliteInstanceLockModule],
      inject: [ConfigService, SqliteInstanceLock],
      useFactory: async (
        config: ConfigService<AppConfig, true>,
        lock: SqliteInstanceLock,
      ) => {
        const settings = storage(config);
        // Before anything opens the database: a second process stops here, untouched.
        if (settings.store.driver === 'sqlite') lock.hold(sqlitePath(settings));
        return writerOptions(settings, await collectMigrations());
      },
      dataSourceFactory: (options) =>
        openWriterDataSource(options as DataSourceOptions),
    }),
    // Depends on the writer's data source so that it opens after migrations have run.
    TypeOrmModule.forRootAsync({
      name: READ_DATA_SOURCE,
      inject: [ConfigService, getDataSourceToken()],
      useFactory: (config: ConfigService<AppConfig, true>) =>
        readerOptions(storage(config)),
    }),
  ],
  providers: [WalCheckpoints],
  exports: [WalCheckpoints],
})
export class DatabaseModule {}
