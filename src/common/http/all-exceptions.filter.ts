import {
  Catch,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../errors/domain-error.js';
import { toErrorResponse } from './error-response.js';

/**
 * Every error leaves as `{statusCode, error, message, ...details}`. Client mistakes (4xx) and
 * expected refusals (503 while the buffer is full or the service shuts down) are only counted
 * in the request log; anything unexpected is a 500 whose stack goes to the log, not the client.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const { status, body, headers } = toErrorResponse(exception);
    if (status >= 500 && !(exception instanceof DomainError)) {
      const error = exception as Error;
      this.logger.error(
        `${request.method} ${request.url} failed: ${error?.message}`,
        error?.stack,
      );
    }
    void reply.status(status).headers(headers).send(body);
  }
}
