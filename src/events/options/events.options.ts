import type { EventsTelemetry } from './events-telemetry.js';

/**
 * Everything the events module needs to know, passed to EventsModule.forRoot() by the
 * application (which maps its own configuration onto it): the module reads no configuration
 * of its own. Durations are in milliseconds, sizes in bytes.
 */
export interface EventsOptions {
  /** CloudEvents `source` of the events this service publishes. */
  source: string;
  bus: {
    /** Events that may wait for commit at once; beyond it publishers wait or get 503. */
    bufferSize: number;
    /** Most events one request or unit may append (413 beyond); at most bufferSize. */
    maxBatch: number;
    /** Subscriptions that may run their handlers at the same time. */
    workers: number;
    /** Bytes of recently committed events kept in memory for caught-up subscriptions. */
    tailBytes: number;
  };
  /** Defaults of every durable subscription (each may override them). */
  handlers: {
    /** false: publishers wait until every matching handler is done with their events. */
    async: boolean;
    timeoutMs: number;
    retryCount: number;
    retryDelayMs: number;
    retryMaxDelayMs: number;
    /** On shutdown, how long running handlers may take to finish. */
    shutdownGraceMs: number;
  };
  retention: {
    /** Events older than this may be pruned; 0 keeps everything. */
    days: number;
    pruneIntervalMs: number;
  };
  query: {
    /** A page of events ends early, with its next cursor, beyond this many bytes. */
    maxPageBytes: number;
  };
  /** GET /events/stream. */
  stream: {
    /** Streams open at once; one more is refused with 503. */
    maxClients: number;
    /** Comment lines this often on an idle stream. */
    heartbeatMs: number;
    /** Bytes a client may leave untaken before it is disconnected. */
    bufferBytes: number;
  };
  /** Readiness fails when a subscription that says so is more events behind than this. */
  maxLag: number;
  webhooks: {
    allowedHosts: string[];
    timeoutMs: number;
    maxSubscriptions: number;
    /** Base64 of the 32-byte key sealing webhook secrets at rest. */
    secretKey?: string;
    /** Where a generated key is kept when none is configured (outside production). */
    keyFileDirectory: string;
    /** Production: no generated key; a configured one is required once a webhook exists. */
    production: boolean;
  };
  /** NATS JetStream relay and consumer; both off unless enabled. */
  nats: NatsOptions;
  cluster: {
    /** Unique per running process: names the owner of leases. */
    instanceId: string;
    /** PostgreSQL: a lease not renewed for this long may be taken over. */
    leaseTtlMs: number;
  };
  /** One log line per delivery (log levels info and below). */
  logDeliveries: boolean;
  /** Where the platform reports commits, deliveries, retries and dead letters (metrics). */
  telemetry?: EventsTelemetry;
  /**
   * Serve events.v1.EventService's handlers (the application connects the gRPC transport,
   * see connectEventsGrpc).
   */
  grpc?: boolean;
  /** The HTTP surfaces the module mounts; all of them unless turned off. */
  http?: Partial<Record<EventsHttpSurface, boolean>>;
}

export interface NatsOptions {
  /** Server URLs of one cluster. */
  servers: string[];
  relay: {
    enabled: boolean;
    stream: string;
    subjectPrefix: string;
    /** Event types or patterns to relay. */
    types: string[];
  };
  consumer: {
    enabled: boolean;
    stream: string;
    durable: string;
    /** Filter subjects; empty: the whole stream. */
    subjects: string[];
    /** CloudEvents sources accepted; empty: any but the service's own. */
    sources: string[];
  };
}

export type EventsHttpSurface =
  'events' | 'streams' | 'replay' | 'deadLetters' | 'monitoring' | 'webhooks';

export const EVENTS_OPTIONS = Symbol('EVENTS_OPTIONS');
