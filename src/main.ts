import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/config.loader.js';
import { closeGracefullyOnSignals } from './graceful-shutdown.js';

/** A configuration mistake (a bad file, no API key in production) stops the app with its message. */
async function orExitOnConfigError<T>(start: () => T | Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

const config = await orExitOnConfigError(() => loadConfig());
const app = await orExitOnConfigError(() => createApp(config));
// SIGTERM: readiness fails, the listener closes after server.shutdown_delay, then the commit queue
// is flushed, handlers finish and checkpoints are saved; exit 0.
closeGracefullyOnSignals(app, config.server.shutdown_delay);
await app.startAllMicroservices();
await app.listen({ port: config.server.port, host: config.server.host });
const logger = new Logger('Main');
logger.log(
  `listening on http://${config.server.host}:${config.server.port} (OpenAPI at /docs)`,
);
if (config.grpc.enabled) {
  logger.log(
    `gRPC events.v1.EventService on ${config.grpc.host}:${config.grpc.port}`,
  );
}
