import {
  credentials,
  loadPackageDefinition,
  Metadata,
  status,
  type ClientDuplexStream,
  type ClientReadableStream,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  EVENTS_PROTO_LOADER,
  eventsProtoPath,
} from '../../src/events/index.js';
import { freePort } from './free-port.js';
import {
  startTestApp,
  type ConfigOverrides,
  type TestApp,
} from './test-app.js';

/** A test app serving gRPC on 127.0.0.1, and the port it listens on. */
export interface GrpcTestApp extends TestApp {
  grpcPort: number;
}

/**
 * Boots the real application with grpc.enabled on a free 127.0.0.1 port and starts the gRPC
 * server as main.ts does (app.startAllMicroservices()).
 */
export async function startGrpcTestApp(
  directory: string,
  overrides: ConfigOverrides = {},
): Promise<GrpcTestApp> {
  // The free port may be taken by someone else before the app binds it: try another one.
  for (let attempt = 1; ; attempt++) {
    const grpcPort = await freePort();
    const app = await startTestApp(directory, {
      ...overrides,
      grpc: { enabled: true, host: '127.0.0.1', port: grpcPort },
    });
    try {
      await app.app.startAllMicroservices();
      return Object.assign(app, { grpcPort });
    } catch (error) {
      await app.close();
      if (attempt >= 3 || !String(error).includes('EADDRINUSE')) throw error;
    }
  }
}

type Callback<T> = (error: ServiceError | null, value: T) => void;
type UnaryMethod = (
  request: object,
  metadata: Metadata,
  callback: Callback<any>,
) => unknown;

/** A real @grpc/grpc-js client of events.v1.EventService, with promise-returning calls. */
export class EventServiceClient {
  private readonly client: Record<string, UnaryMethod> & {
    Subscribe(request: object, metadata: Metadata): ClientReadableStream<any>;
    close(): void;
  };

  constructor(
    port: number,
    private readonly defaults: Record<string, string> = {},
    options: Record<string, number> = {},
  ) {
    const definition = loadSync(eventsProtoPath(), {
      ...EVENTS_PROTO_LOADER,
      // Clients see every field, empty ones included, as proto3 readers do.
      defaults: true,
    });
    const events = (loadPackageDefinition(definition).events as GrpcObject)
      .v1 as GrpcObject;
    const Service = events.EventService as ServiceClientConstructor;
    this.client = new Service(
      `127.0.0.1:${port}`,
      credentials.createInsecure(),
      options,
    ) as never;
  }

  metadata(entries: Record<string, string> = this.defaults): Metadata {
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(entries))
      metadata.add(key, value);
    return metadata;
  }

  call<T = any>(
    method: 'Publish' | 'GetEvent' | 'GetEventStatus' | 'Query',
    request: object,
    headers?: Record<string, string>,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      this.client[method](request, this.metadata(headers), (error, value) =>
        error ? reject(error) : resolve(value as T),
      );
    });
  }

  /** Resolves with the status error the call ended with; fails if it succeeded. */
  async failure(
    method: 'Publish' | 'GetEvent' | 'GetEventStatus' | 'Query',
    request: object,
    headers?: Record<string, string>,
  ): Promise<ServiceError> {
    try {
      await this.call(method, request, headers);
    } catch (error) {
      return error as ServiceError;
    }
    throw new Error(`${method} succeeded where it should have failed`);
  }

  subscribe(
    request: { pattern?: string; cursor?: string },
    headers?: Record<string, string>,
  ): ClientReadableStream<any> {
    return this.client.Subscribe(request, this.metadata(headers));
  }

  close(): void {
    this.client.close();
  }
}

/**
 * The next `count` messages of a server stream; fails if the stream ends or errs first, or if
 * they do not all come within `timeoutMs` (a bound on a failing test, not a timing check).
 */
export function take<T = any>(
  stream: ClientReadableStream<T>,
  count: number,
  timeoutMs = 10_000,
): Promise<T[]> {
  const received: T[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      finish();
      reject(
        new Error(`received ${received.length} of ${count} stream messages`),
      );
    }, timeoutMs);
    const onData = (message: T) => {
      received.push(message);
      if (received.length === count) {
        finish();
        resolve(received);
      }
    };
    const onError = (error: Error) => {
      finish();
      reject(error);
    };
    const onEnd = () => {
      finish();
      reject(new Error(`the stream ended after ${received.length} messages`));
    };
    const finish = () => {
      clearTimeout(timer);
      stream.off('data', onData).off('error', onError).off('end', onEnd);
      stream.pause();
    };
    stream.on('data', onData).on('error', onError).on('end', onEnd);
    stream.resume();
  });
}

/** The status error a stream ends with (after any messages it still delivers). */
export function streamFailure(
  stream: ClientReadableStream<unknown>,
  timeoutMs = 10_000,
): Promise<ServiceError> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the stream did not fail')),
      timeoutMs,
    );
    stream.on('data', () => undefined);
    stream.on('error', (error: ServiceError) => {
      clearTimeout(timer);
      resolve(error);
    });
    stream.on('end', () => {
      clearTimeout(timer);
      reject(new Error('the stream ended without an error'));
    });
  });
}

/** The services a server lists through gRPC server reflection (grpc.reflection.v1). */
export async function reflectedServices(port: number): Promise<string[]> {
  const protoPath = new URL(
    '../proto/grpc/reflection/v1/reflection.proto',
    import.meta.resolve('@grpc/reflection'),
  );
  const definition = loadSync(protoPath.pathname, { keepCase: true });
  const reflection = (
    (loadPackageDefinition(definition).grpc as GrpcObject)
      .reflection as GrpcObject
  ).v1 as GrpcObject;
  const Service = reflection.ServerReflection as ServiceClientConstructor;
  const client = new Service(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
  ) as unknown as {
    ServerReflectionInfo(): ClientDuplexStream<
      object,
      { list_services_response?: { service: { name: string }[] } }
    >;
    close(): void;
  };
  try {
    const call = client.ServerReflectionInfo();
    const answer = new Promise<string[]>((resolve, reject) => {
      call.once('data', (response) =>
        resolve(
          (response.list_services_response?.service ?? []).map(
            (entry: { name: string }) => entry.name,
          ),
        ),
      );
      call.once('error', reject);
    });
    call.write({ list_services: '' });
    call.end();
    return await answer;
  } finally {
    client.close();
  }
}

/** Cancels a stream the test is done with; its CANCELLED status is expected, not a failure. */
export function cancel(stream: ClientReadableStream<unknown>): void {
  stream.on('error', (error: ServiceError) => {
    if (error.code !== status.CANCELLED) throw error;
  });
  stream.cancel();
}
