import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { GroupCommitWriter } from '../events/bus/group-commit-writer.js';

/**
 * Down while the event store cannot be written (an I/O error, a full disk, a read-only file):
 * names the cause and since when. The writer clears it by itself once a write succeeds.
 */
@Injectable()
export class StorageHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly writer: GroupCommitWriter,
  ) {}

  check(key: string) {
    const session = this.health.check(key);
    const fault = this.writer.health.current;
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
