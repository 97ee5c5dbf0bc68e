import {
  Module,
  type DynamicModule,
  type ModuleMetadata,
} from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from '../../src/config/app-config.js';
import { DatabaseModule } from '../../src/database/database.module.js';
import { EventsModule } from '../../src/events/events.module.js';
import { eventsOptionsFrom } from '../../src/events-options.js';
import { LoggingModule } from '../../src/logging/logging.module.js';

/**
 * The event platform as AppModule wires it (configuration, logging, live-event emitter,
 * database, events) without the feature modules and their subscriptions, so a benchmark
 * measures only the subscriptions it mounts itself.
 */
@Module({})
export class EventKernelModule {
  static forRoot(
    config: AppConfig,
    extra: NonNullable<ModuleMetadata['imports']> = [],
  ): DynamicModule {
    return {
      module: EventKernelModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [() => ({ ...config })],
        }),
        LoggingModule,
        EventEmitterModule.forRoot({ wildcard: true, delimiter: '.' }),
        DatabaseModule,
        EventsModule.forRoot(eventsOptionsFrom(config)),
        ...extra,
      ],
    };
  }
}

/** Boots the event platform without HTTP; subscriptions start once this resolves. */
export async function startEventKernel(
  config: AppConfig,
  extra: NonNullable<ModuleMetadata['imports']> = [],
): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(
    EventKernelModule.forRoot(config, extra),
    { bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  await app.init();
  return app;
}
