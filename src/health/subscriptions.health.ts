import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { EventsHealth } from '../events/index.js';

/**
 * Reports every durable subscription's lag and which are more than health.max_lag events behind
 * (`behind`). Down only when one of those fails readiness on lag (`blocking_readiness`): the
 * application's own handlers do by default; a webhook waiting for its receiver does not, since
 * taking this instance out of the load balancer would not make the receiver come back.
 */
@Injectable()
export class SubscriptionsHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly events: EventsHealth,
  ) {}

  check(key: string) {
    const lag: Record<string, number> = {};
    const behind: string[] = [];
    const blocking: string[] = [];
    for (const subscription of this.events.subscriptions()) {
      lag[subscription.name] = subscription.lag;
      if (!subscription.behind) continue;
      behind.push(subscription.name);
      if (subscription.failReadinessOnLag) blocking.push(subscription.name);
    }
    const details = {
      lag,
      max_lag: this.events.maxLag,
      behind,
      blocking_readiness: blocking,
    };
    const session = this.health.check(key);
    return blocking.length === 0 ? session.up(details) : session.down(details);
  }
}
