import type { ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  FastifyAdapter,
  type NestFastifyApplication,
} from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger, PinoLogger } from 'nestjs-pino';
import { uuidv7 } from './common/ids/uuid-v7.js';
import { AppModule } from './app.module.js';
import { currentTerminal, usePrettyLogs } from './logging/pretty-logs.js';
import { registerLivePage } from './live/live-page.js';
import { registerRequestLog } from './logging/request-log.hook.js';
import { EventMetrics } from './metrics/event-metrics.js';
import { registerHttpMetrics } from './metrics/http-metrics.hook.js';
import { AllExceptionsFilter } from './common/http/all-exceptions.filter.js';
import { createValidationPipe } from './common/http/validation.pipe.js';
import type { AppConfig } from './config/app-config.js';
import { connectEventsGrpc, registerEventsHttp } from './events/index.js';
import { collectRoutes, registerAccessHooks } from './security/access.hooks.js';
import { ApiKeys } from './security/api-keys.js';
import { RateLimitBudget } from './security/rate-limit-budget.js';
import { registerHttpHardening } from './security/http-hardening.js';
import { RouteAccessTable } from './security/route-access-table.js';
import { assertSecureStart, docsArePublic } from './security/secure-start.js';

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

/**
 * Builds the application exactly as `npm start` runs it; tests call it with their own config.
 * With grpc.enabled the gRPC service is connected too; `app.startAllMicroservices()` starts it.
 */
export async function createApp(
  config: AppConfig,
  { imports = [] }: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  assertSecureStart(config);
  // Before anything logs: `log.pretty: true` without pino-pretty stops the start here.
  usePrettyLogs(config.log.pretty, currentTerminal());
  const adapter = new FastifyAdapter({
    bodyLimit: config.server.body_limit,
    genReqId: () => uuidv7(),
    trustProxy: config.server.trust_proxy,
    routerOptions: { maxParamLength: MAX_PATH_PARAMETER_LENGTH },
  });
  const routes = new RouteAccessTable(docsArePublic(config.security));
  collectRoutes(adapter.getInstance(), routes);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, imports, routes),
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
  const fastify = adapter.getInstance();
  await registerHttpHardening(app, config);
  registerAccessHooks(
    fastify,
    routes,
    app.get(ApiKeys),
    app.get(RateLimitBudget),
  );
  fastify.removeContentTypeParser('text/plain');
  registerEventsHttp(fastify);
  await registerLivePage(app);
  registerRequestLog(fastify, PinoLogger.root);
  registerHttpMetrics(fastify, app.get(EventMetrics));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('nest-event-starter')
      .setDescription(
        'Event-driven NestJS starter: durable handlers, event store, CloudEvents',
      )
      .setVersion('0.1.0')
      // The "Authorize" button: an API key as a bearer token (docs/security.md).
      .addBearerAuth({ type: 'http', scheme: 'bearer' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  if (config.grpc.enabled) {
    connectEventsGrpc(app, {
      host: config.grpc.host,
      port: config.grpc.port,
      // A Publish call carries what a POST /events body may.
      maxMessageBytes: config.server.body_limit,
      // A page's byte bound counts stored JSON; the message adds field tags and the other
      // attributes: twice the larger bound leaves room for both.
      maxSendBytes:
        2 *
        Math.max(config.server.body_limit, config.event.query.max_page_bytes),
      // Reflection describes the API as /docs does, and is public when /docs is.
      reflection: docsArePublic(config.security),
    });
  }
  return app;
}
