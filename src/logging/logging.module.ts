import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';
import { currentRequestIds } from '../events/index.js';
import { currentTerminal, usePrettyLogs } from './pretty-logs.js';

const PRETTY_HIDDEN_FIELDS = [
  'pid',
  'hostname',
  'requestId',
  'method',
  'url',
  'statusCode',
  'context',
  'responseTime',
  'subscription',
  'type',
  'eventId',
  'events',
  'position',
  'attempt',
  'attempts',
  'durationMs',
  'outcome',
].join(',');

/**
 * Structured logs through pino (nestjs-pino for Nest's Logger). Every line written while
 * serving a request carries its request id and correlation id (pino `mixin` reading the
 * request's event context); the request line itself comes from a Fastify hook
 * (request-log.hook.ts) rather than pino-http, so a request costs no child logger.
 * `log.pretty` renders readable single lines for a terminal (pretty-logs.ts decides when).
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => {
        const { level, pretty } = config.get('log', { infer: true });
        return {
          forRoutes: [],
          pinoHttp: {
            level,
            // API keys never reach a log line, even one that dumps a request's headers.
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers["x-api-key"]',
                'headers.authorization',
                'headers["x-api-key"]',
              ],
              censor: '[redacted]',
            },
            // The request's ids, or those of the request whose events a handler handles.
            mixin: () => currentRequestIds() ?? {},
            transport: usePrettyLogs(pretty, currentTerminal())
              ? {
                  target: 'pino-pretty',
                  options: {
                    singleLine: true,
                    translateTime: 'SYS:HH:MM:ss.l',
                    messageFormat: '{if context}[{context}] {end}{msg}',
                    // The message already says these; the JSON output keeps them as fields.
                    ignore: PRETTY_HIDDEN_FIELDS,
                  },
                }
              : undefined,
          },
        };
      },
    }),
  ],
})
export class LoggingModule {}
