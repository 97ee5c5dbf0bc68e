import {
  IsBoolean,
  IsInt,
  IsString,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { BooleanFlag } from './config.validators.js';

/** The gRPC EventService (docs/grpc.md), served beside HTTP when enabled. */
export class GrpcConfig {
  @BooleanFlag()
  @IsBoolean()
  enabled = false;

  /**
   * Loopback by default: the transport has no TLS of its own, so the API keys it carries would
   * cross the network in clear text. Serving other hosts (0.0.0.0) is a deliberate choice,
   * behind a TLS-terminating proxy or mesh, or on a private network.
   */
  @IsString()
  @MinLength(1)
  host = '127.0.0.1';

  // No 0 (any free port): clients could not learn which one it took.
  @IsInt()
  @Min(1)
  @Max(65535)
  port = 9090;
}
