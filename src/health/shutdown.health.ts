import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ShutdownState } from './shutdown-state.js';

/** Down from the moment a graceful shutdown begins: this instance takes no new traffic. */
@Injectable()
export class ShutdownHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly state: ShutdownState,
  ) {}

  check(key: string) {
    const session = this.health.check(key);
    const since = this.state.since;
    return since === undefined
      ? session.up({ shuttingDown: false })
      : session.down({ shuttingDown: true, since });
  }
}
