import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '../config/app-config.js';

/**
 * Security headers on every response, errors, 404s and CORS preflights included (helmet), and
 * CORS for the configured origins only (none by default: browsers then refuse cross-origin
 * calls). Awaited before other hooks are added, so they run first and every answer has them.
 */
export async function registerHttpHardening(
  app: NestFastifyApplication,
  config: AppConfig,
): Promise<void> {
  await app.register(helmet, {
    // No page of this service is meant to be framed (as frame-ancestors says below).
    frameguard: { action: 'deny' },
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
    // Registered here rather than with app.enableCors(), whose hook runs before helmet's:
    // preflight answers get the security headers too.
    await app.register(cors, {
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
