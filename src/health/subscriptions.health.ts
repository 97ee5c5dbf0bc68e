import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { EventsHealth, type SubscriptionLag } from '../events/index.js';

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

  async check(key: string) {
    const session = this.health.check(key);
    let subscriptions: SubscriptionLag[];
    try {
      subscriptions = await this.events.subscriptions();
    } catch {
      return session.down({
        instance: this.events.instanceId,
        error: 'the database cannot be read',
      });
    }
    const lag: Record<string, number> = {};
    const owners: Record<string, string | null> = {};
    const behind: string[] = [];
    const blocking: string[] = [];
    for (const subscription of subscriptions) {
      lag[subscription.name] = subscription.lag;
      owners[subscription.name] = subscription.owner;
      if (!subscription.behind) continue;
      behind.push(subscription.name);
      if (subscription.failReadinessOnLag) blocking.push(subscription.name);
    }
    const details = {
      instance: this.events.instanceId,
      owners,
      lag,
      max_lag: this.events.maxLag,
      behind,
      blocking_readiness: blocking,
    };
    return blocking.length === 0 ? session.up(details) : session.down(details);
  }
}
