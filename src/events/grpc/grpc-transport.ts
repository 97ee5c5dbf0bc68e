import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { Transport, type GrpcOptions } from '@nestjs/microservices';
import type { Server } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';

const PROTO_FILE = join('proto', 'events', 'v1', 'events.proto');

/**
 * The service's contract, proto/events/v1/events.proto of the project: found by walking up
 * from this file as Node finds node_modules, so src/, dist/ and any other build directory
 * inside the project all load the one file.
 */
export function eventsProtoPath(): string {
  return findUp(dirname(fileURLToPath(import.meta.url)), PROTO_FILE);
}

function findUp(start: string, file: string): string {
  for (let directory = start; ; directory = dirname(directory)) {
    const candidate = join(directory, file);
    if (existsSync(candidate)) return candidate;
    if (dirname(directory) === directory) {
      throw new Error(`${file} not found in ${start} or any folder above it`);
    }
  }
}

/**
 * How messages map to JavaScript: field names as in the .proto, 64-bit numbers as numbers
 * (positions and versions stay below 2^53), enums by name, absent fields left out.
 */
export const EVENTS_PROTO_LOADER = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: false,
  arrays: true,
  objects: true,
  oneofs: true,
};

export interface EventsGrpcOptions {
  host: string;
  port: number;
  /** Largest message a client may send, in bytes. */
  maxMessageBytes: number;
  /**
   * Largest message the server sends: room for the largest event, and for a Query page, which
   * is cut by bytes (event.query.max_page_bytes) as an HTTP page is.
   */
  maxSendBytes: number;
  /** Serve gRPC server reflection, so grpcurl-style tools work without the .proto. */
  reflection: boolean;
}

/** The gRPC transport of events.v1.EventService, for connectMicroservice(). */
export function eventsGrpcTransport(options: EventsGrpcOptions): GrpcOptions {
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    transport: Transport.GRPC,
    options: {
      url: `${host}:${options.port}`,
      package: 'events.v1',
      protoPath: eventsProtoPath(),
      loader: EVENTS_PROTO_LOADER,
      maxReceiveMessageLength: options.maxMessageBytes,
      maxSendMessageLength: options.maxSendBytes,
      // On shutdown, calls in progress finish (Subscribe streams are ended first).
      gracefulShutdown: true,
      onLoadPackageDefinition: (pkg: PackageDefinition, server: Server) => {
        if (options.reflection) new ReflectionService(pkg).addToServer(server);
      },
    },
  };
}

/**
 * Serves events.v1.EventService beside HTTP (a hybrid application); it starts listening with
 * `app.startAllMicroservices()`. The application's global HTTP filters and pipes stay HTTP's:
 * the service brings its own (GrpcExceptionFilter).
 */
export function connectEventsGrpc(
  app: INestApplication,
  options: EventsGrpcOptions,
): INestMicroservice {
  return app.connectMicroservice<GrpcOptions>(eventsGrpcTransport(options));
}
