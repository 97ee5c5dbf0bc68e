import { Logger } from '@nestjs/common';
import type { StoredEvent } from '../store/stored-event.js';
import type { EventsTelemetry } from '../options/events-telemetry.js';

/**
 * One readable line per delivery (subscription, event type and id, duration, outcome), with the
 * same facts as structured fields for log processors. Successes log at info, failures at warn.
 * A failure's `err` field carries its stack: the log is the one place that keeps it, since
 * clients only see the class and message (common/errors/public-error.ts). The same facts go to
 * the application's telemetry (durations and outcomes per subscription), at every log level.
 */
export class DeliveryLog {
  private readonly logger = new Logger('Delivery');

  constructor(
    private readonly logSuccesses: boolean,
    private readonly telemetry: EventsTelemetry,
  ) {}

  delivered(
    subscription: string,
    event: StoredEvent,
    attempt: number,
    durationMs: number,
  ): void {
    this.telemetry.delivered(subscription, event.type, durationMs, 'ok');
    if (!this.logSuccesses) return;
    const duration = formatDuration(durationMs);
    this.logger.log(
      {
        subscription,
        type: event.type,
        eventId: event.id,
        position: event.position,
        correlationId: event.correlationId,
        attempt,
        durationMs,
        outcome: 'ok',
      },
      `${subscription} handled ${event.type} ${event.id} in ${duration}: ok`,
    );
  }

  failed(
    subscription: string,
    event: StoredEvent,
    attempt: number,
    attempts: number,
    durationMs: number,
    error: Error,
  ): void {
    this.telemetry.delivered(subscription, event.type, durationMs, 'failed');
    const duration = formatDuration(durationMs);
    this.logger.warn(
      {
        subscription,
        type: event.type,
        eventId: event.id,
        position: event.position,
        correlationId: event.correlationId,
        attempt,
        durationMs,
        outcome: 'failed',
        error: error.message,
        err: error,
      },
      `${subscription} handled ${event.type} ${event.id} in ${duration}: failed (attempt ${attempt}/${attempts}): ${error.message}`,
    );
  }

  /** A batch call (@OnDomainEvents): one line for the batch, naming its first and last event. */
  deliveredMany(
    subscription: string,
    events: StoredEvent[],
    durationMs: number,
    error: Error | undefined,
  ): void {
    const first = events[0];
    const last = events[events.length - 1];
    this.telemetry.delivered(
      subscription,
      last.type,
      durationMs,
      error ? 'failed' : 'ok',
    );
    if (!error && !this.logSuccesses) return;
    const span =
      events.length === 1
        ? `${first.type} ${first.id}`
        : `${events.length} events (${first.id} .. ${last.id})`;
    const outcome = error ? `failed: ${error.message}` : 'ok';
    const fields = {
      subscription,
      events: events.length,
      eventId: last.id,
      position: last.position,
      correlationId: last.correlationId,
      durationMs,
      outcome: error ? 'failed' : 'ok',
      ...(error && { error: error.message, err: error }),
    };
    const message = `${subscription} handled ${span} in ${formatDuration(durationMs)}: ${outcome}`;
    if (error) this.logger.warn(fields, message);
    else this.logger.log(fields, message);
  }

  parked(
    subscription: string,
    event: StoredEvent,
    attempts: number,
    error: Error,
  ): void {
    this.telemetry.deadLettered(subscription, event.type);
    this.logger.error(
      {
        subscription,
        type: event.type,
        eventId: event.id,
        position: event.position,
        correlationId: event.correlationId,
        attempts,
        outcome: 'dead_lettered',
        error: error.message,
        err: error,
      },
      `${subscription} gave up on ${event.type} ${event.id} after ${attempts} attempt(s); parked as a dead letter: ${error.message}`,
    );
  }

  /** The next attempt of a failed event is about to run (its outcome is logged like the first). */
  retrying(subscription: string): void {
    this.telemetry.retried(subscription);
  }
}

function formatDuration(ms: number): string {
  return ms < 10 ? `${ms.toFixed(2)}ms` : `${Math.round(ms)}ms`;
}
