import {
  credentials,
  loadPackageDefinition,
  Metadata,
  type ClientReadableStream,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  EVENTS_PROTO_LOADER,
  EVENTS_PROTO_PATH,
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
    const definition = loadSync(EVENTS_PROTO_PATH, {
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
