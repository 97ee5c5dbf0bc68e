import { BadRequestException } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  ForbiddenError,
  InvalidInputError,
  UnauthenticatedError,
} from '../../common/errors/domain-error.js';
import { ConcurrencyError } from '../errors/concurrency.error.js';
import {
  BatchTooLargeError,
  BufferFullError,
  ShuttingDownError,
} from '../errors/bus-unavailable.error.js';
import { EventNotFoundError } from '../errors/not-found.errors.js';
import { decodeCursor, encodeCursor } from './grpc-cursor.js';
import { toGrpcError, TooManyStreamsError } from './grpc-errors.js';

describe('toGrpcError', () => {
  it.each([
    [
      new InvalidInputError('limit', 'limit is too large'),
      status.INVALID_ARGUMENT,
    ],
    [
      new BadRequestException({ message: 'x', field: 'type' }),
      status.INVALID_ARGUMENT,
    ],
    [new EventNotFoundError('e-1'), status.NOT_FOUND],
    [new ConcurrencyError('s-1', 1, 2), status.ABORTED],
    [new UnauthenticatedError('no key', 'Bearer'), status.UNAUTHENTICATED],
    [
      new ForbiddenError('authorization', 'needs reader'),
      status.PERMISSION_DENIED,
    ],
    [new BatchTooLargeError(11, 10), status.RESOURCE_EXHAUSTED],
    [new BufferFullError(10), status.RESOURCE_EXHAUSTED],
    [new TooManyStreamsError(256), status.RESOURCE_EXHAUSTED],
    [new ShuttingDownError(), status.UNAVAILABLE],
  ])('maps %s to its status', (error, code) => {
    expect(toGrpcError(error).code).toBe(code);
  });

  it('treats a storage fault met while reading as UNAVAILABLE, with retry-after', () => {
    const fault = Object.assign(new Error('disk I/O error'), {
      code: 'SQLITE_IOERR_READ',
    });
    const error = toGrpcError(fault);
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.metadata.get('retry-after')).toEqual(['2']);
    expect(error.details).not.toContain('disk I/O');
  });

  it('names the field in the trailing metadata', () => {
    const error = toGrpcError(new InvalidInputError('events[2].type', 'bad'));
    expect(error.metadata.get('field')).toEqual(['events[2].type']);
  });

  it('answers INTERNAL without the text of an unexpected error', () => {
    const error = toGrpcError(new Error('/srv/app/dist/secret.js exploded'));
    expect(error.code).toBe(status.INTERNAL);
    expect(error.details).toBe('internal server error');
  });
});

describe('gRPC cursors', () => {
  it('reads back the cursor it was made from; empty is the start', () => {
    expect(
      decodeCursor(encodeCursor({ txid: 0, position: 42 }), 'cursor'),
    ).toEqual({ position: 42 });
    expect(
      decodeCursor(encodeCursor({ txid: 7, position: 42 }), 'cursor'),
    ).toEqual({ txid: 7, position: 42 });
    expect(decodeCursor('', 'cursor')).toEqual({ txid: 0, position: 0 });
  });

  it.each(['-1', '1.5', 'abc', ' 1', '99999999999999999', '9007199254740992'])(
    'refuses %j naming the field',
    (cursor) => {
      expect(() => decodeCursor(cursor, 'after')).toThrow(
        expect.objectContaining({ field: 'after' }),
      );
    },
  );
});
