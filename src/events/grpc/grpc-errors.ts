import { Logger } from '@nestjs/common';
import { Metadata, status } from '@grpc/grpc-js';
import { UnavailableError } from '../../common/errors/domain-error.js';
import { toErrorResponse } from '../../common/http/error-response.js';
import { isStorageFault } from '../../database/storage-fault.js';
import {
  BufferFullError,
  StorageUnavailableError,
} from '../errors/bus-unavailable.error.js';

/** More Subscribe streams are open than the service serves at once. */
export class TooManyStreamsError extends UnavailableError {
  constructor(limit: number) {
    super(
      `at most ${limit} Subscribe streams are served at once; retry shortly`,
      1,
    );
  }
}

/** What @grpc/grpc-js sends as a call's status: code, message and trailing metadata. */
export interface GrpcError {
  code: status;
  details: string;
  message: string;
  metadata: Metadata;
}

// The HTTP API's statuses, each the gRPC code of the same refusal.
const CODES: Record<number, status> = {
  400: status.INVALID_ARGUMENT,
  401: status.UNAUTHENTICATED,
  403: status.PERMISSION_DENIED,
  404: status.NOT_FOUND,
  // A stale expected_version: the client reloads and decides again (AIP-193).
  409: status.ABORTED,
  413: status.RESOURCE_EXHAUSTED,
  429: status.RESOURCE_EXHAUSTED,
  503: status.UNAVAILABLE,
};

const logger = new Logger('gRPC');

/**
 * The status a call ends with for anything thrown while serving it: the same refusal and
 * message as over HTTP (toErrorResponse), `field` and `retry-after` as trailing metadata.
 * Back-pressure (a full commit buffer, the stream limit) is RESOURCE_EXHAUSTED; a storage
 * fault, on a read too, is UNAVAILABLE. Unexpected errors are logged and leave as INTERNAL
 * without their text.
 */
export function toGrpcError(exception: unknown): GrpcError {
  const failure = isStorageFault(exception)
    ? new StorageUnavailableError(exception)
    : exception;
  const { status: httpStatus, body, headers } = toErrorResponse(failure);
  let code = CODES[httpStatus] ?? status.INVALID_ARGUMENT;
  if (
    failure instanceof BufferFullError ||
    failure instanceof TooManyStreamsError
  )
    code = status.RESOURCE_EXHAUSTED;
  if (httpStatus >= 500 && httpStatus !== 503) {
    code = status.INTERNAL;
    const error = failure as Error | undefined;
    logger.error(`call failed: ${error?.message}`, error?.stack);
  }
  const metadata = new Metadata();
  if (typeof body.field === 'string') metadata.set('field', body.field);
  if (headers['retry-after'] !== undefined)
    metadata.set('retry-after', headers['retry-after']);
  return { code, details: body.message, message: body.message, metadata };
}
