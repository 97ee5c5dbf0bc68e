import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '../config/app-config.js';

/**
 * Security headers on every response, errors and 404s included (helmet), and CORS for the
 * configured origins only (none by default: browsers then refuse cross-origin calls).
 * Awaited before other hooks are added, so its headers are set before any of them can answer.
 */
export async function registerHttpHardening(
  app: NestFastifyApplication,
  config: AppConfig,
): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        // Swagger UI (/docs) loads its scripts from files; only its stylesheet is inline.
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // TLS ends in front of the service; plain-HTTP deployments (local) must keep working.
        upgradeInsecureRequests: null,
      },
    },
  });
  const { origins } = config.server.cors;
  if (origins.length > 0) {
    app.enableCors({
      origin: origins.includes('*') ? '*' : origins,
      exposedHeaders: [
        'x-correlation-id',
        'retry-after',
        'link',
        'location',
        'www-authenticate',
      ],
      maxAge: 600,
    });
  }
}
