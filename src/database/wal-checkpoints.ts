import {
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import {
  WalCheckpointer,
  type WalCheckpointStats,
} from './wal-checkpointer.js';

/**
 * Runs the WAL checkpointer for as long as the SQLite writer's database is open, says in the
 * log when its passes start failing and when they run again, and hands its counters to
 * /metrics. A failing pass loses nothing, but the WAL then grows with every commit.
 */
@Injectable()
export class WalCheckpoints implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(WalCheckpoints.name);
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
      {
        failing: (code, message) =>
          this.logger.warn(
            `WAL checkpoints are failing (${code}: ${message}): commits stay durable in the WAL, which grows until a checkpoint runs again`,
          ),
        recovered: (failedPasses) =>
          this.logger.log(
            `WAL checkpoints run again after ${failedPasses} failed passes`,
          ),
      },
    );
  }

  /** Undefined when the store is not SQLite, or once the application has closed. */
  stats(): WalCheckpointStats | undefined {
    return this.checkpointer?.stats();
  }

  // Last, once every module has stopped: an await any earlier would let requests in before
  // the writer starts refusing them.
  async onApplicationShutdown(): Promise<void> {
    await this.checkpointer?.stop();
    this.checkpointer = undefined;
  }
}
