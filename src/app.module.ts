import {
  Module,
  type DynamicModule,
  type ModuleMetadata,
} from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AnalyticsModule } from './analytics/analytics.module.js';
import { AuditModule } from './audit/audit.module.js';
import type { AppConfig } from './config/app-config.js';
import { DatabaseModule } from './database/database.module.js';
import { EventsModule } from './events/index.js';
import { eventsOptionsFrom } from './events-options.js';
import { HealthModule } from './health/health.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { EventMetrics } from './metrics/event-metrics.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import { OrdersModule } from './orders/orders.module.js';
import { RouteAccessTable } from './security/route-access-table.js';
import { docsArePublic } from './security/secure-start.js';
import { SecurityModule } from './security/security.module.js';
import { UsersModule } from './users/users.module.js';

@Module({})
export class AppModule {
  /** The validated configuration is loaded once, before Nest starts (see main.ts). */
  static forRoot(
    config: AppConfig,
    extra: ModuleMetadata['imports'] = [],
    routes = new RouteAccessTable(docsArePublic(config.security)),
  ): DynamicModule {
    const metrics = new EventMetrics(config.metrics.max_types);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [() => ({ ...config })],
        }),
        LoggingModule,
        SecurityModule.forRoot(routes),
        EventEmitterModule.forRoot({ wildcard: true, delimiter: '.' }),
        DatabaseModule,
        EventsModule.forRoot({
          ...eventsOptionsFrom(config),
          telemetry: metrics,
        }),
        HealthModule,
        MetricsModule.forRoot(metrics),
        UsersModule,
        NotificationsModule,
        AnalyticsModule,
        AuditModule,
        OrdersModule,
        ...extra,
      ],
    };
  }
}
