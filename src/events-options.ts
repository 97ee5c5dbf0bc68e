import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { AppConfig } from './config/app-config.js';
import { sqlitePath } from './database/data-source.options.js';
import type { EventsOptions } from './events/index.js';

const DELIVERY_LOG_LEVELS = new Set(['info', 'debug', 'trace']);

/** The event platform's settings, taken from the application's configuration (config.yaml). */
export function eventsOptionsFrom(
  config: AppConfig,
  env: NodeJS.ProcessEnv = process.env,
): EventsOptions {
  const { event, webhooks, security, nats } = config;
  return {
    source: event.source,
    bus: {
      bufferSize: event.bus.buffer_size,
      maxBatch: event.bus.max_batch ?? Math.min(1000, event.bus.buffer_size),
      workers: event.bus.workers,
      tailBytes: event.bus.tail_bytes,
    },
    handlers: {
      async: event.handlers.async,
      timeoutMs: event.handlers.timeout,
      retryCount: event.handlers.retry_count,
      retryDelayMs: event.handlers.retry_delay,
      retryMaxDelayMs: event.handlers.retry_max_delay,
      shutdownGraceMs: event.handlers.shutdown_grace,
    },
    retention: {
      days: event.store.retention_days,
      pruneIntervalMs: event.store.prune_interval,
    },
    query: { maxPageBytes: event.query.max_page_bytes },
    stream: {
      maxClients: event.stream.max_clients,
      heartbeatMs: event.stream.heartbeat,
      bufferBytes: event.stream.buffer_bytes,
    },
    maxLag: config.health.max_lag,
    webhooks: {
      allowedHosts: webhooks.allowed_hosts,
      timeoutMs: webhooks.timeout,
      maxSubscriptions: webhooks.max_subscriptions,
      secretKey: security.secret_key,
      keyFileDirectory: dirname(
        sqlitePath({ database: config.database, store: event.store }),
      ),
      production: env.NODE_ENV === 'production',
    },
    nats: {
      servers: nats.url.split(','),
      relay: {
        enabled: nats.relay.enabled,
        stream: nats.relay.stream,
        subjectPrefix: nats.relay.subject_prefix,
        types: nats.relay.types,
      },
      consumer: { ...nats.consumer },
    },
    cluster: {
      instanceId:
        event.cluster.instance_id ??
        `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
      leaseTtlMs: event.cluster.lease_ttl,
    },
    logDeliveries: DELIVERY_LOG_LEVELS.has(config.log.level),
    grpc: config.grpc.enabled,
  };
}
