import { Injectable, Module } from '@nestjs/common';
import { OnDomainEvent, type StoredEvent } from '../../src/events/index.js';

export const LATENCY_EVENT = 'bench.latency';

export interface LatencyData {
  /** Sequence number of the event in the run. */
  n: number;
  /** performance.now() when publish() was called. */
  t: number;
}

/** One durable subscription that notes when its handler starts, per event. */
@Injectable()
export class LatencyProbe {
  /** Handler start time (performance.now()) by sequence number; NaN until delivered. */
  startedAt = new Float64Array(0);
  delivered = 0;

  reset(capacity: number): void {
    this.startedAt = new Float64Array(capacity).fill(Number.NaN);
    this.delivered = 0;
  }

  @OnDomainEvent(LATENCY_EVENT, { name: 'bench.latency-probe' })
  record(event: StoredEvent<LatencyData>): void {
    const now = performance.now();
    const { n } = event.data;
    if (n < this.startedAt.length && Number.isNaN(this.startedAt[n])) {
      this.startedAt[n] = now;
      this.delivered++;
    }
  }
}

@Module({ providers: [LatencyProbe], exports: [LatencyProbe] })
export class LatencyProbeModule {}
