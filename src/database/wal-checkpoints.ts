import {
  Injectable,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { WalCheckpointer } from './wal-checkpointer.js';

/** Runs the WAL checkpointer for as long as the SQLite writer's database is open. */
@Injectable()
export class WalCheckpoints implements OnModuleInit, OnApplicationShutdown {
  private checkpointer: WalCheckpointer | undefined;

  constructor(
    private readonly config: ConfigService<AppConfig, true>,
    // Injected so that the worker opens the file only once the writer has migrated it.
    @InjectDataSource() private readonly writer: DataSource,
  ) {}

  onModuleInit(): void {
    const { options } = this.writer;
    if (options.type !== 'better-sqlite3') return;
    // The file the writer opened, whatever chose it (database.path or a throwaway file).
    this.checkpointer = WalCheckpointer.start(
      options.database,
      this.config.get('database.synchronous', { infer: true }),
    );
  }

  // Last, once every module has stopped: an await any earlier would let requests in before
  // the writer starts refusing them.
  async onApplicationShutdown(): Promise<void> {
    await this.checkpointer?.stop();
    this.checkpointer = undefined;
  }
}
