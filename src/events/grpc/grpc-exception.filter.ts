import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import { toGrpcError, type GrpcError } from './grpc-errors.js';

/** Every error of the EventService leaves as a gRPC status (see toGrpcError). */
@Catch()
export class GrpcExceptionFilter implements RpcExceptionFilter<
  unknown,
  GrpcError
> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => toGrpcError(exception));
  }
}
