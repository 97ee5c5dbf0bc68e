import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
  type NatsOptions,
} from '../options/events.options.js';

export type NatsConnectionState =
  'off' | 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface NatsConnectionStatus {
  state: NatsConnectionState;
  /** The server currently connected to, when connected. */
  server: string | null;
  lastError: string | null;
}

// How long a JetStream request (publish ack, stream lookup) may wait for its answer.
const REQUEST_TIMEOUT_MS = 5_000;
const FIRST_CONNECT_RETRY_MS = 1_000;

/**
 * The one connection to NATS, opened at start when the relay or the consumer is on. It never
 * gives up: the first connection is tried in the background until it succeeds, and a lost one
 * is re-established for as long as the application runs, so a NATS outage pauses the relay and the consumer,
 * whose places are kept by the subscription checkpoint and the durable consumer.
 */
@Injectable()
export class NatsLink implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('NATS');
  private readonly options: NatsOptions;
  private state: NatsConnectionState = 'off';
  private lastError: string | null = null;
  private connection?: Promise<NatsConnection>;
  private client?: NatsConnection;
  private waiters: (() => void)[] = [];
  private closing = false;
  /** The client name servers show (`nats server report connections`): the service's source. */
  private readonly name: string;

  constructor(@Inject(EVENTS_OPTIONS) { nats, source }: EventsOptions) {
    this.options = nats;
    this.name = source;
  }

  get enabled(): boolean {
    return this.options.relay.enabled || this.options.consumer.enabled;
  }

  onModuleInit(): void {
    if (this.enabled) void this.connected().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.release();
    if (!this.connection) return;
    const connection = await this.connection.catch(() => undefined);
    await connection?.close().catch(() => undefined);
    this.state = 'closed';
  }

  get status(): NatsConnectionStatus {
    return {
      state: this.state,
      server: this.state === 'connected' ? this.currentServer() : null,
      lastError: this.lastError,
    };
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  /** The connection, once it is established (the first time, or again after an outage). */
  connected(): Promise<NatsConnection> {
    this.connection ??= this.open();
    return this.connection;
  }

  async jetstream(): Promise<JetStreamClient> {
    return jetstream(await this.connected(), { timeout: REQUEST_TIMEOUT_MS });
  }

  async manager(): Promise<JetStreamManager> {
    return jetstreamManager(await this.connected(), {
      timeout: REQUEST_TIMEOUT_MS,
    });
  }

  /**
   * Resolves when the connection is (back) up, or the application is closing.
   * @throws while shutting down before a first connection was made.
   */
  async whenConnected(): Promise<void> {
    await this.connected();
    if (this.state === 'connected' || this.closing) return;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private async open(): Promise<NatsConnection> {
    this.state = 'connecting';
    // The first connection is retried here rather than by the client (waitOnFirstConnect),
    // so that a shutdown can end the wait.
    for (;;) {
      if (this.closing) throw new Error('the application is shutting down');
      try {
        const connection = await connect({
          servers: this.options.servers,
          name: this.name,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          pingInterval: 10_000,
          timeout: REQUEST_TIMEOUT_MS,
        });
        this.client = connection;
        this.state = 'connected';
        this.lastError = null;
        this.logger.log(`connected to ${this.currentServer()}`);
        void this.watch(connection);
        this.release();
        return connection;
      } catch (error) {
        if (this.lastError === null)
          this.logger.warn(
            `cannot connect to ${this.options.servers.join(', ')}, retrying: ${(error as Error).message}`,
          );
        this.lastError = (error as Error).message;
        await new Promise((resolve) =>
          setTimeout(resolve, FIRST_CONNECT_RETRY_MS),
        );
      }
    }
  }

  private async watch(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      switch (status.type) {
        case 'disconnect':
          this.state = 'disconnected';
          this.logger.warn(`disconnected from ${status.server}; reconnecting`);
          break;
        case 'reconnect':
          this.state = 'connected';
          this.logger.log(`reconnected to ${status.server}`);
          this.release();
          break;
        case 'error':
          this.lastError = status.error.message;
          break;
        case 'close':
          this.state = 'closed';
          this.release();
          break;
      }
    }
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  private currentServer(): string | null {
    return this.client?.getServer() ?? null;
  }
}
