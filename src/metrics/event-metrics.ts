import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
} from 'prom-client';
import {
  isDeclaredEventType,
  type DeliveryOutcome,
  type EventsHealth,
  type EventsTelemetry,
} from '../events/index.js';
import type { WalCheckpointStats } from '../database/wal-checkpointer.js';
import { BoundedLabels } from './bounded-labels.js';

const HTTP_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
]);

/** Seconds: from a sub-millisecond handler to one near the default 30 s timeout. */
const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
  10, 30,
];
const GROUP_SIZE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/**
 * Every metric of /metrics in one registry per application (so several applications in one
 * process, as in tests, never share counters). The event platform reports into it through
 * EventsTelemetry; HTTP timings come from a Fastify hook; lags and the write buffer are read
 * from EventsHealth when scraped. docs/operations.md lists the names.
 */
export class EventMetrics implements EventsTelemetry {
  readonly registry = new Registry();
  private readonly types: BoundedLabels;
  private health: EventsHealth | undefined;

  private readonly published = new Counter({
    name: 'events_published_total',
    help: 'Events committed to the store, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  private readonly commitGroupSize = new Histogram({
    name: 'events_commit_group_size',
    help: 'Events stored by one group commit (one transaction)',
    buckets: GROUP_SIZE_BUCKETS,
    registers: [this.registry],
  });

  private readonly handlerDuration = new Histogram({
    name: 'events_handler_duration_seconds',
    help: 'Time one durable handler call took, by subscription and outcome (ok, failed)',
    labelNames: ['subscription', 'outcome'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  private readonly handled = new Counter({
    name: 'events_handled_total',
    help: 'Durable handler calls, by subscription, event type and outcome (ok, failed)',
    labelNames: ['subscription', 'type', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly retries = new Counter({
    name: 'events_handler_retries_total',
    help: 'Attempts made again after a handler failed, by subscription',
    labelNames: ['subscription'] as const,
    registers: [this.registry],
  });

  private readonly deadLetters = new Counter({
    name: 'events_dead_lettered_total',
    help: 'Events parked as dead letters after their last attempt, by subscription and type',
    labelNames: ['subscription', 'type'] as const,
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  /**
   * Each answered request's series, found by one string key instead of prom-client hashing a
   * labels object per observation; bounded as the labels are (methods, route templates and
   * 'unmatched', status codes).
   */
  private readonly httpSeries = new Map<
    string,
    ReturnType<Histogram<'method' | 'route' | 'status'>['labels']>
  >();

  constructor(maxTypes: number) {
    this.types = new BoundedLabels(maxTypes, isDeclaredEventType);
    collectDefaultMetrics({ register: this.registry });
    const lag: Gauge<'subscription'> = new Gauge({
      name: 'events_subscription_lag',
      help: 'Events committed after the subscription checkpoint',
      labelNames: ['subscription'] as const,
      registers: [this.registry],
      // Lags come from the database (the same on every instance). When it cannot be read, the
      // last values stay: the scrape still answers, and /health says what is wrong.
      collect: async () => {
        const subscriptions = await this.health
          ?.subscriptions()
          .catch(() => undefined);
        if (subscriptions === undefined) return;
        lag.reset();
        for (const { name, lag: behind } of subscriptions)
          lag.set({ subscription: name }, behind);
      },
    });
    const pending: Gauge = new Gauge({
      name: 'events_write_buffer_pending',
      help: 'Events and units accepted but not committed yet (bounded by event.bus.buffer_size)',
      registers: [this.registry],
      collect: () => pending.set(this.health?.writeBuffer().pending ?? 0),
    });
    const capacity: Gauge = new Gauge({
      name: 'events_write_buffer_capacity',
      help: 'event.bus.buffer_size: events that may wait for commit at once',
      registers: [this.registry],
      collect: () => capacity.set(this.health?.writeBuffer().capacity ?? 0),
    });
  }

  /** Where lags and the write buffer are read from at each scrape. */
  observe(health: EventsHealth): void {
    this.health = health;
  }

  /**
   * SQLite's WAL checkpoints, read from the checkpointer's counters at each scrape. Registered
   * only when the store is SQLite, so a PostgreSQL instance shows no sqlite_* series.
   */
  observeWalCheckpoints(source: () => WalCheckpointStats | undefined): void {
    const registers = [this.registry];
    const passes: Counter<'outcome'> = new Counter({
      name: 'sqlite_wal_checkpoints_total',
      help: 'WAL checkpoint passes (every 100 ms), by outcome: ok, or failed (I/O error, full disk)',
      labelNames: ['outcome'] as const,
      registers,
      collect: () => {
        const stats = source();
        if (stats === undefined) return;
        passes.reset();
        passes.inc({ outcome: 'ok' }, stats.passes.ok);
        passes.inc({ outcome: 'failed' }, stats.passes.failed);
      },
    });
    const frames: Gauge = new Gauge({
      name: 'sqlite_wal_frames',
      help: 'Frames (pages) in the WAL at the last checkpoint pass that ran',
      registers,
      collect: () => frames.set(source()?.walFrames ?? 0),
    });
    const copied: Gauge = new Gauge({
      name: 'sqlite_wal_checkpointed_frames',
      help: 'Frames of the WAL copied into the database file at the last checkpoint pass that ran',
      registers,
      collect: () => copied.set(source()?.checkpointedFrames ?? 0),
    });
    const lastPassed: Gauge = new Gauge({
      name: 'sqlite_wal_last_checkpoint_timestamp_seconds',
      help: 'Unix time of the last checkpoint pass that ran (0 before the first)',
      registers,
      collect: () =>
        lastPassed.set((source()?.lastPassedAt?.getTime() ?? 0) / 1000),
    });
  }

  committed(events: readonly { readonly type: string }[]): void {
    this.commitGroupSize.observe(events.length);
    for (const event of events)
      this.published.inc({ type: this.types.of(event.type) });
  }

  delivered(
    subscription: string,
    type: string,
    durationMs: number,
    outcome: DeliveryOutcome,
  ): void {
    this.handlerDuration.observe({ subscription, outcome }, durationMs / 1000);
    this.handled.inc({ subscription, type: this.types.of(type), outcome });
  }

  retried(subscription: string): void {
    this.retries.inc({ subscription });
  }

  deadLettered(subscription: string, type: string): void {
    this.deadLetters.inc({ subscription, type: this.types.of(type) });
  }

  /** `route` is the route's template (`/events/:id`), never the requested path. */
  httpRequest(
    method: string,
    route: string | undefined,
    status: number,
    durationMs: number,
  ): void {
    const known = HTTP_METHODS.has(method) ? method : 'other';
    const key = `${known} ${status} ${route}`;
    let series = this.httpSeries.get(key);
    if (series === undefined) {
      series = this.httpDuration.labels({
        method: known,
        route: route ?? 'unmatched',
        status: String(status),
      });
      this.httpSeries.set(key, series);
    }
    series.observe(durationMs / 1000);
  }
}
