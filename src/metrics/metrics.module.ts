import {
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { DatabaseModule } from '../database/database.module.js';
import { WalCheckpoints } from '../database/wal-checkpoints.js';
import { EventsHealth } from '../events/index.js';
import { EventMetrics } from './event-metrics.js';
import { MetricsController } from './metrics.controller.js';

@Injectable()
class MetricsSources implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly metrics: EventMetrics,
    private readonly health: EventsHealth,
    private readonly checkpoints: WalCheckpoints,
  ) {}

  onModuleInit(): void {
    this.metrics.observe(this.health);
  }

  // Once every module has started: the checkpointer exists from the database module's init.
  onApplicationBootstrap(): void {
    if (this.checkpoints.stats() !== undefined)
      this.metrics.observeWalCheckpoints(() => this.checkpoints.stats());
  }
}

/** GET /metrics, over the registry the application also hands to the event platform. */
@Module({})
export class MetricsModule {
  static forRoot(metrics: EventMetrics): DynamicModule {
    return {
      module: MetricsModule,
      imports: [DatabaseModule],
      controllers: [MetricsController],
      providers: [{ provide: EventMetrics, useValue: metrics }, MetricsSources],
      exports: [EventMetrics],
    };
  }
}
