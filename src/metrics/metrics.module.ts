import {
  Injectable,
  Module,
  type DynamicModule,
  type OnModuleInit,
} from '@nestjs/common';
import { EventsHealth } from '../events/index.js';
import { EventMetrics } from './event-metrics.js';
import { MetricsController } from './metrics.controller.js';

@Injectable()
class MetricsSources implements OnModuleInit {
  constructor(
    private readonly metrics: EventMetrics,
    private readonly health: EventsHealth,
  ) {}

  onModuleInit(): void {
    this.metrics.observe(this.health);
  }
}

/** GET /metrics, over the registry the application also hands to the event platform. */
@Module({})
export class MetricsModule {
  static forRoot(metrics: EventMetrics): DynamicModule {
    return {
      module: MetricsModule,
      controllers: [MetricsController],
      providers: [{ provide: EventMetrics, useValue: metrics }, MetricsSources],
      exports: [EventMetrics],
    };
  }
}
