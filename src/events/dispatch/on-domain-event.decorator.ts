import { SetMetadata } from '@nestjs/common';
import type { EventClass } from '../bus/domain-event.decorator.js';

/** An event type or pattern (`user.*`, `**`), or a @DomainEvent class. */
export type EventSelector = string | EventClass;

export interface OnDomainEventOptions {
  /**
   * The subscription's stable name; its checkpoint, counters and dead letters are stored under
   * it. Renaming it starts a new subscription (see `startFrom`).
   */
  name: string;
  /**
   * Run the handler inside the transaction that advances the checkpoint: its writes through
   * `context.transaction` commit exactly once with it. Keep such handlers to database work.
   */
  transactional?: boolean;
  /** false when running twice would do harm (sending mail): replays to it are refused. */
  replayable?: boolean;
  /** Where a new subscription starts: the whole log ('beginning', default) or events from now on. */
  startFrom?: 'beginning' | 'now';
  /**
   * true (default): /health/ready fails while this subscription is more than health.max_lag
   * events behind, taking the instance out of the load balancer. false when the lag depends on
   * something else than this instance (a remote receiver): it is still reported in /health and
   * /events/stats.
   */
  failReadinessOnLag?: boolean;
  /** Overrides of event.handlers.*, for this subscription only. */
  retryCount?: number;
  timeout?: number | string;
  retryDelay?: number | string;
  retryMaxDelay?: number | string;
}

export interface DomainEventHandlerMetadata {
  selectors: EventSelector[];
  options: OnDomainEventOptions;
  /** Set by @OnDomainEvents: the method takes an array of events. */
  batch?: boolean;
}

export const ON_DOMAIN_EVENT = 'events:on-domain-event';

/**
 * Marks a provider method as a durable handler: it sees every matching event at least once, in
 * log order, across restarts, with retries and a dead-letter queue.
 *
 *   @OnDomainEvent(UserRegistered, { name: 'notifications.welcome', replayable: false })
 *   async welcome(event: StoredEvent<UserRegistered>, context: HandlerContext) { ... }
 */
export function OnDomainEvent(
  selectors: EventSelector | EventSelector[],
  options: OnDomainEventOptions,
): MethodDecorator {
  const metadata: DomainEventHandlerMetadata = {
    selectors: Array.isArray(selectors) ? selectors : [selectors],
    options,
  };
  return SetMetadata(ON_DOMAIN_EVENT, metadata);
}

/**
 * Like @OnDomainEvent, for handlers that do better with many events at once (projections
 * writing one multi-row statement): the method receives a run of matching events, in log order.
 * If a call fails, the events are handed over one at a time (arrays of one), so retries and
 * dead letters still apply per event; events already handled by the failed call are then
 * delivered again unless the subscription is transactional.
 *
 *   @OnDomainEvents('**', { name: 'audit.log', transactional: true })
 *   async record(events: StoredEvent[], { transaction }: TransactionalHandlerContext) { ... }
 */
export function OnDomainEvents(
  selectors: EventSelector | EventSelector[],
  options: OnDomainEventOptions,
): MethodDecorator {
  const metadata: DomainEventHandlerMetadata = {
    selectors: Array.isArray(selectors) ? selectors : [selectors],
    options,
    batch: true,
  };
  return SetMetadata(ON_DOMAIN_EVENT, metadata);
}
