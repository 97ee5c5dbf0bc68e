import { HttpException, HttpStatus } from '@nestjs/common';
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  TooLargeError,
  TooManyRequestsError,
  UnauthenticatedError,
  UnavailableError,
} from '../errors/domain-error.js';
import { publicErrorText } from '../errors/public-error.js';

/** The one error shape every endpoint answers with. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  [detail: string]: unknown;
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

const DOMAIN_STATUS: [new (...args: never[]) => DomainError, number][] = [
  [InvalidInputError, HttpStatus.BAD_REQUEST],
  [NotFoundError, HttpStatus.NOT_FOUND],
  [ConflictError, HttpStatus.CONFLICT],
  [TooLargeError, HttpStatus.PAYLOAD_TOO_LARGE],
  [UnavailableError, HttpStatus.SERVICE_UNAVAILABLE],
  [TooManyRequestsError, HttpStatus.TOO_MANY_REQUESTS],
  [UnauthenticatedError, HttpStatus.UNAUTHORIZED],
  [ForbiddenError, HttpStatus.FORBIDDEN],
];

const HEALTH_RETRY_AFTER_SECONDS = 5;

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

/** Maps anything thrown while serving a request to a status and a JSON body. */
export function toErrorResponse(exception: unknown): ErrorResponse {
  if (exception instanceof DomainError) return fromDomainError(exception);
  if (exception instanceof HttpException) return fromHttpException(exception);
  const transport = fromTransportError(exception);
  if (transport) return transport;
  return build(HttpStatus.INTERNAL_SERVER_ERROR, 'internal server error');
}

function fromDomainError(error: DomainError): ErrorResponse {
  const status =
    DOMAIN_STATUS.find(([type]) => error instanceof type)?.[1] ?? 500;
  const response = build(status, error.message, error.details);
  if (
    error instanceof UnavailableError ||
    error instanceof TooManyRequestsError
  ) {
    response.headers['retry-after'] = String(error.retryAfterSeconds);
  }
  if (error instanceof UnauthenticatedError) {
    response.headers['www-authenticate'] = error.challenge;
  }
  return response;
}

function fromHttpException(exception: HttpException): ErrorResponse {
  const status = exception.getStatus();
  const payload = exception.getResponse();
  if (typeof payload === 'string') return build(status, payload);
  const {
    message,
    error: _error,
    statusCode: _status,
    ...details
  } = payload as Record<string, unknown>;
  const text = Array.isArray(message)
    ? message.join('; ')
    : String(message ?? exception.message);
  const response = build(status, text, details);
  // A check that is down (readiness, say) is worth asking again: every 503 says when.
  if (status === HttpStatus.SERVICE_UNAVAILABLE)
    response.headers['retry-after'] = String(HEALTH_RETRY_AFTER_SECONDS);
  return response;
}

/**
 * Errors Fastify raises before a route runs (malformed JSON, oversized body, unsupported
 * content type) carry a 4xx statusCode and an FST_ code.
 */
function fromTransportError(exception: unknown): ErrorResponse | undefined {
  const candidate = exception as {
    statusCode?: unknown;
    code?: unknown;
    message?: unknown;
  };
  if (
    typeof candidate?.statusCode === 'number' &&
    candidate.statusCode >= 400 &&
    candidate.statusCode < 500 &&
    typeof candidate.message === 'string'
  ) {
    const details =
      typeof candidate.code === 'string' ? { code: candidate.code } : {};
    // Not our text: a parser or plugin may name a file of this server.
    return build(
      candidate.statusCode,
      publicErrorText(candidate.message),
      details,
    );
  }
  return undefined;
}

function build(
  status: number,
  message: string,
  details: Record<string, unknown> = {},
): ErrorResponse {
  return {
    status,
    body: {
      statusCode: status,
      error: reasonPhrase(status),
      message,
      ...details,
    },
    headers: {},
  };
}
