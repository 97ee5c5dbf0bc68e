import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { Injectable, Inject } from '@nestjs/common';
import { parseDurationMs } from '../../config/duration.js';
import { eventTypeOf } from '../bus/domain-event.decorator.js';
import { EventPattern } from '../patterns/event-pattern.js';
import type {
  DomainEventHandler,
  DomainEventsHandler,
} from './handler-context.js';
import type {
  EventSelector,
  OnDomainEventOptions,
} from './on-domain-event.decorator.js';
import type { SubscriptionDefinition } from './subscription-definition.js';

const SUBSCRIPTION_NAME = /^[a-z0-9]+([._-][a-z0-9]+)*$/;

/**
 * Builds subscription definitions with the configured defaults (event.handlers.*): for
 * @OnDomainEvent methods found at boot and for subscriptions created at run time (webhooks).
 */
@Injectable()
export class SubscriptionFactory {
  constructor(
    @Inject(EVENTS_OPTIONS)
    private readonly options: Pick<EventsOptions, 'handlers'>,
  ) {}

  /**
   * `handler` takes one event, or with `{ batch: true }` an array of events.
   * @throws Error naming `owner` when the name, a selector or a duration is invalid.
   */
  create(
    selectors: EventSelector[],
    options: OnDomainEventOptions,
    handler: DomainEventHandler | DomainEventsHandler,
    owner: string,
    { batch = false }: { batch?: boolean } = {},
  ): SubscriptionDefinition {
    const batchHandler = batch ? (handler as DomainEventsHandler) : undefined;
    if (!SUBSCRIPTION_NAME.test(options.name)) {
      throw new Error(
        `${owner}: subscription name ${JSON.stringify(options.name)} must be lower-case words joined by '.', '_' or '-'`,
      );
    }
    const defaults = this.options.handlers;
    return {
      name: options.name,
      patterns: selectors.map((selector) => toPattern(selector, owner)),
      handler: batchHandler
        ? (event, context) => batchHandler([event], context)
        : (handler as DomainEventHandler),
      batchHandler,
      transactional: options.transactional ?? false,
      replayable: options.replayable ?? true,
      startFrom: options.startFrom ?? 'beginning',
      failReadinessOnLag: options.failReadinessOnLag ?? true,
      timeoutMs: duration(
        options.timeout,
        defaults.timeoutMs,
        `${owner} timeout`,
      ),
      retry: {
        attempts: options.retryCount ?? defaults.retryCount,
        delayMs: duration(
          options.retryDelay,
          defaults.retryDelayMs,
          `${owner} retryDelay`,
        ),
        maxDelayMs: duration(
          options.retryMaxDelay,
          defaults.retryMaxDelayMs,
          `${owner} retryMaxDelay`,
        ),
      },
      owner,
    };
  }
}

function toPattern(selector: EventSelector, owner: string): EventPattern {
  const source =
    typeof selector === 'string' ? selector : eventTypeOf(selector);
  if (source === undefined) {
    throw new Error(
      `${owner}: ${(selector as Function).name} is not decorated with @DomainEvent`,
    );
  }
  try {
    return EventPattern.parse(source);
  } catch (error) {
    throw new Error(`${owner}: ${(error as Error).message}`, { cause: error });
  }
}

function duration(
  value: number | string | undefined,
  fallback: number,
  what: string,
): number {
  if (value === undefined) return fallback;
  const parsed = parseDurationMs(value);
  if (parsed === undefined) {
    throw new Error(`${what}: ${JSON.stringify(value)} is not a duration`);
  }
  return parsed;
}
