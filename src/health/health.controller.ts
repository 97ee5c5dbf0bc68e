import { dirname } from 'node:path';
import { Controller, Get, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  DiskHealthIndicator,
  HealthCheck,
  HealthCheckService,
  type HealthCheckResult,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import type { AppConfig } from '../config/app-config.js';
import { sqlitePath } from '../database/data-source.options.js';
import { StorageHealthIndicator } from './storage.health.js';
import { publicIndicator } from './public-indicator.js';
import { Public, Roles, Unlimited } from '../security/index.js';
import { ShutdownHealthIndicator } from './shutdown.health.js';
import { SubscriptionsHealthIndicator } from './subscriptions.health.js';
import { NatsHealthIndicator } from './nats.health.js';

@ApiTags('health')
// Probes are never rate-limited: a busy client must not make the instance look dead.
@Unlimited()
@Controller('health')
export class HealthController {
  private readonly logger = new Logger(HealthController.name);
  private readonly dataDirectory: string;
  private readonly diskThreshold: number;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly disk: DiskHealthIndicator,
    private readonly subscriptions: SubscriptionsHealthIndicator,
    private readonly storage: StorageHealthIndicator,
    private readonly nats: NatsHealthIndicator,
    private readonly shutdown: ShutdownHealthIndicator,
    config: ConfigService<AppConfig, true>,
  ) {
    const store = config.get('event.store', { infer: true });
    const settings = {
      database: config.get('database', { infer: true }),
      store,
    };
    this.dataDirectory =
      store.driver === 'sqlite' ? dirname(sqlitePath(settings)) : process.cwd();
    this.diskThreshold = config.get('health.disk_threshold', { infer: true });
  }

  @Get()
  @Roles('reader')
  @HealthCheck()
  @ApiOperation({
    summary:
      "Database, writability, every subscription's lag, disk space and (when the relay or consumer is on) the NATS connection; 503 when any is down",
  })
  check() {
    return this.health.check([
      () => this.databaseCheck(),
      () => this.storage.check('storage'),
      () => this.subscriptions.check('subscriptions'),
      () =>
        publicIndicator(
          'disk',
          () =>
            this.disk.checkStorage('disk', {
              path: this.dataDirectory,
              thresholdPercent: this.diskThreshold,
            }),
          this.logger,
        ),
      ...(this.nats.enabled ? [() => this.nats.check('nats')] : []),
    ]);
  }

  @Get('live')
  @Public()
  @HealthCheck()
  @ApiOperation({ summary: 'The process is up and serving requests' })
  live(): HealthCheckResult {
    // Nothing to check but that this answer is served: terminus's check() with no indicator
    // gives this very result through a chain of promises, on the hottest probe of all.
    return { status: 'ok', info: {}, error: {}, details: {} };
  }

  @Get('ready')
  @Public()
  @HealthCheck()
  @ApiOperation({
    summary:
      'Ready for traffic: no shutdown has begun, the database answers and takes writes, and subscriptions that fail readiness on lag keep up',
  })
  ready() {
    return this.health.check([
      () => this.shutdown.check('shutdown'),
      () => this.databaseCheck(),
      () => this.storage.check('storage'),
      () => this.subscriptions.check('subscriptions'),
    ]);
  }

  private databaseCheck() {
    return publicIndicator(
      'database',
      () => this.database.pingCheck('database').withTimeout(1500),
      this.logger,
    );
  }
}
