import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { Observable } from 'rxjs';
import { uuidv7 } from '../../common/ids/uuid-v7.js';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import { eventContext, type EventContext } from '../bus/event-context.js';
import {
  CORRELATION_HEADER,
  CORRELATION_ID,
  CORRELATION_ID_RULE,
  TRACEPARENT,
} from '../http/request-context.js';
import { callerOf } from './grpc-access.guard.js';

/**
 * Runs each call inside an event context, as the HTTP interceptor does for requests: what it
 * publishes carries the caller's correlation id (`x-correlation-id` metadata, else a new one),
 * the key's name as actor and the W3C `traceparent`; a full commit buffer refuses at once
 * rather than queueing behind it.
 */
@Injectable()
export class GrpcCallContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const metadata = context.switchToRpc().getContext<Metadata>();
    const scope: EventContext = {
      correlationId: correlationIdOf(metadata),
      actor: callerOf(metadata).name,
      refuseWhenFull: true,
      traceparent: traceparentOf(metadata),
    };
    return new Observable((subscriber) =>
      eventContext.run(scope, () => next.handle().subscribe(subscriber)),
    );
  }
}

function correlationIdOf(metadata: Metadata): string {
  const values = metadata.get(CORRELATION_HEADER);
  if (values.length === 0) return uuidv7();
  const [value] = values;
  if (
    values.length > 1 ||
    typeof value !== 'string' ||
    !CORRELATION_ID.test(value)
  ) {
    throw new InvalidInputError(
      CORRELATION_HEADER,
      `${CORRELATION_HEADER} must be ${CORRELATION_ID_RULE}`,
    );
  }
  return value;
}

function traceparentOf(metadata: Metadata): string | undefined {
  const [value] = metadata.get('traceparent');
  return typeof value === 'string' && TRACEPARENT.test(value)
    ? value
    : undefined;
}
