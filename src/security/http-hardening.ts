import cors from '@fastify/cors';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet, { type HelmetOptions } from 'helmet';
import type { AppConfig } from '../config/app-config.js';

const SECURITY_HEADERS: HelmetOptions = {
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
};

/**
 * The headers helmet sets with SECURITY_HEADERS, worked out once. They depend on neither the
 * request nor the response (no CSP nonces), and @fastify/helmet rebuilt helmet's middleware,
 * parsing every CSP directive again, on each request: about a tenth of a request's CPU.
 */
export function securityHeaders(
  options: HelmetOptions = SECURITY_HEADERS,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)(
    {} as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) throw error;
    },
  );
  return headers;
}

/**
 * Security headers on every response, errors, 404s and CORS preflights included (helmet's,
 * computed once), and CORS for the configured origins only (none by default: browsers then
 * refuse cross-origin calls). Called before other hooks are added, so these run first and
 * every answer has them.
 */
export async function registerHttpHardening(
  app: NestFastifyApplication,
  config: AppConfig,
): Promise<void> {
  const headers = securityHeaders();
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (_request, reply, done) => {
      void reply.headers(headers);
      done();
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
