import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { NatsHealth } from '../events/index.js';

/**
 * The NATS connection of the relay and the consumer, when either is on: down while it is
 * being (re)established. Not part of readiness: a broker outage pauses the relay and the
 * consumer, which resume by themselves, and this instance can still serve its API.
 */
@Injectable()
export class NatsHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly nats: NatsHealth,
  ) {}

  /** Whether there is anything to report. */
  get enabled(): boolean {
    return this.nats.report() !== null;
  }

  check(key: string) {
    const session = this.health.check(key);
    const nats = this.nats.report();
    if (nats === null) return session.up({ enabled: false });
    const details = {
      connected: nats.state === 'connected',
      state: nats.state,
      relay: nats.relay,
      consumer: nats.consumer,
      last_error: nats.lastError,
    };
    return details.connected ? session.up(details) : session.down(details);
  }
}
