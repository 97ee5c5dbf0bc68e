import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { AppConfig } from '../config/app-config.js';
import { Dispatcher } from '../events/dispatch/dispatcher.js';

/** Down when a durable subscription has fallen more than health.max_lag events behind. */
@Injectable()
export class SubscriptionsHealthIndicator {
  private readonly maxLag: number;

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly dispatcher: Dispatcher,
    config: ConfigService<AppConfig, true>,
  ) {
    this.maxLag = config.get('health.max_lag', { infer: true });
  }

  check(key: string) {
    const head = this.dispatcher.head;
    const lag = Object.fromEntries(
      this.dispatcher.all.map((runner) => [
        runner.definition.name,
        Math.max(0, head - runner.snapshot.position),
      ]),
    );
    const behind = Object.entries(lag).filter(
      ([, value]) => value > this.maxLag,
    );
    const session = this.health.check(key);
    return behind.length === 0
      ? session.up({ lag, max_lag: this.maxLag })
      : session.down({
          lag,
          max_lag: this.maxLag,
          behind: behind.map(([name]) => name),
        });
  }
}
