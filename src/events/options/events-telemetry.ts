export type DeliveryOutcome = 'ok' | 'failed';

/**
 * What the event platform reports as it works, for metrics. The application passes an
 * implementation in EventsOptions.telemetry (src/metrics does, with Prometheus); the platform
 * itself knows no metrics library. Every method is called on a hot path: it must be quick and
 * must not throw.
 */
export interface EventsTelemetry {
  /**
   * One commit group reached the store: its events (stored events; only what telemetry reads
   * is named here, so the options stay a leaf of the platform), in log order.
   */
  committed(events: readonly { readonly type: string }[]): void;
  /** One handler call (one event, or one batch named by its last event) finished. */
  delivered(
    subscription: string,
    type: string,
    durationMs: number,
    outcome: DeliveryOutcome,
  ): void;
  /** A failed event is about to be attempted again. */
  retried(subscription: string): void;
  /** An event was parked as a dead letter after its last attempt. */
  deadLettered(subscription: string, type: string): void;
}

/** The platform's telemetry when the application passes none. */
export const NO_TELEMETRY: EventsTelemetry = {
  committed: () => undefined,
  delivered: () => undefined,
  retried: () => undefined,
  deadLettered: () => undefined,
};
