import { Inject, Injectable } from '@nestjs/common';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { NatsLink, type NatsConnectionState } from './nats-connection.js';

export interface NatsConnectionReport {
  state: NatsConnectionState;
  relay: boolean;
  consumer: boolean;
  lastError: string | null;
}

/** What health checks need to know of the NATS connection, and nothing more. */
@Injectable()
export class NatsHealth {
  constructor(
    private readonly link: NatsLink,
    @Inject(EVENTS_OPTIONS) private readonly options: EventsOptions,
  ) {}

  /** The connection, when the relay or the consumer is on; null otherwise. */
  report(): NatsConnectionReport | null {
    if (!this.link.enabled) return null;
    const { state, lastError } = this.link.status;
    return {
      state,
      relay: this.options.nats.relay.enabled,
      consumer: this.options.nats.consumer.enabled,
      lastError,
    };
  }
}
