import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { AppConfig } from '../config/app-config.js';
import { Dispatcher } from '../events/dispatch/dispatcher.js';

/**
 * Reports every durable subscription's lag and which are more than health.max_lag events behind
 * (`behind`). Down only when one of those fails readiness on lag (`blocking_readiness`): the
 * application's own handlers do by default; a webhook waiting for its receiver does not, since
 * taking this instance out of the load balancer would not make the receiver come back.
 */
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
    const lag: Record<string, number> = {};
    const behind: string[] = [];
    const blocking: string[] = [];
    for (const { definition, snapshot } of this.dispatcher.all) {
      const value = Math.max(0, head - snapshot.position);
      lag[definition.name] = value;
      if (value <= this.maxLag) continue;
      behind.push(definition.name);
      if (definition.failReadinessOnLag) blocking.push(definition.name);
    }
    const details = {
      lag,
      max_lag: this.maxLag,
      behind,
      blocking_readiness: blocking,
    };
    const session = this.health.check(key);
    return blocking.length === 0 ? session.up(details) : session.down(details);
  }
}
