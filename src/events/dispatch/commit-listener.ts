import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import { CommittedLog } from './committed-log.js';

/** Where a trigger on `events` notifies every commit that added events (see the migration). */
export const EVENTS_CHANNEL = 'events_committed';

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

/**
 * PostgreSQL: wakes this instance's readers when any instance commits events, through
 * LISTEN/NOTIFY on a connection of its own (a pooled one would hand the LISTEN to whoever
 * borrows it next). A lost connection is opened again with backoff; meanwhile, and for any
 * notice lost, CommittedLog's slow poll is the safety net. Reconnecting also wakes the
 * readers, for what was committed while nobody listened.
 */
@Injectable()
export class CommitListener
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(CommitListener.name);
  private client: pg.Client | undefined;
  private retryMs = FIRST_RETRY_MS;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @InjectDataSource(READ_DATA_SOURCE) private readonly reader: DataSource,
    private readonly log: CommittedLog,
  ) {}

  onApplicationBootstrap(): void {
    if (this.reader.options.type !== 'postgres') return;
    void this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: (this.reader.options as { url?: string }).url,
      keepAlive: true,
      connectionTimeoutMillis: MAX_RETRY_MS,
    });
    this.client = client;
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.logger.warn(
        `lost the wake-up connection${error ? ` (${error.message})` : ''}; reconnecting in ${this.retryMs}ms`,
      );
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', () => this.log.wakeUp());
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      this.retryMs = FIRST_RETRY_MS;
      this.log.wakeUp();
    } catch (error) {
      onLost(error as Error);
    }
  }

  private scheduleReconnect(): void {
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.retry = setTimeout(() => void this.connect(), delay);
    this.retry.unref();
  }
}
