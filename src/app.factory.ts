import type { ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  FastifyAdapter,
  type NestFastifyApplication,
} from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger, PinoLogger } from 'nestjs-pino';
import { v7 as uuidv7 } from 'uuid';
import { AppModule } from './app.module.js';
import { registerRequestLog } from './logging/request-log.hook.js';
import { AllExceptionsFilter } from './common/http/all-exceptions.filter.js';
import { createValidationPipe } from './common/http/validation.pipe.js';
import type { AppConfig } from './config/app-config.js';
import { registerCloudEventParsers } from './events/cloudevents/content-type-parsers.js';
import {
  RequestEventContextInterceptor,
  registerCorrelationHook,
} from './events/http/request-context.js';

/**
 * Event ids, sources and stream ids are up to 255 UTF-16 code units, and a path carries each as
 * up to 9 characters (3 UTF-8 bytes, %XX each): Fastify's default limit of 100 answered 414
 * for ids the API had stored.
 */
const MAX_PATH_PARAMETER_LENGTH = 255 * 9;

export interface CreateAppOptions {
  /** Extra modules mounted next to the features (tests and benchmarks add probes this way). */
  imports?: NonNullable<ModuleMetadata['imports']>;
}

/** Builds the application exactly as `npm start` runs it; tests call it with their own config. */
export async function createApp(
  config: AppConfig,
  { imports = [] }: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.server.body_limit,
    genReqId: () => uuidv7(),
    maxParamLength: MAX_PATH_PARAMETER_LENGTH,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, imports),
    adapter,
    {
      bufferLogs: true,
      // JSON only (plus the CloudEvents HTTP binding, registered below); no form bodies.
      bodyParser: false,
    },
  );
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new AllExceptionsFilter());
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalInterceptors(new RequestEventContextInterceptor());
  const fastify = adapter.getInstance();
  fastify.removeContentTypeParser('text/plain');
  registerCloudEventParsers(fastify);
  registerCorrelationHook(fastify);
  registerRequestLog(fastify, PinoLogger.root);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('nest-event-starter')
      .setDescription(
        'Event-driven NestJS starter: durable handlers, event store, CloudEvents',
      )
      .setVersion('0.1.0')
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
}
