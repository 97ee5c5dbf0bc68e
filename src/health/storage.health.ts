import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { EventsHealth } from '../events/index.js';

/**
 * Down while the event store cannot be written (an I/O error, a full disk, a read-only file):
 * names the cause and since when. The writer clears it by itself once a write succeeds.
 */
@Injectable()
export class StorageHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly events: EventsHealth,
  ) {}

  check(key: string) {
    const session = this.health.check(key);
    const fault = this.events.storageFault;
    return fault
      ? session.down({
          writable: false,
          cause: fault.cause,
          code: fault.code,
          since: fault.since,
        })
      : session.up({ writable: true });
  }
}
