import { AssertionError } from 'node:assert';
import type { Publishable } from '../bus/event-preparer.js';
import type { Transaction } from '../bus/transaction.js';
import { DeliveryLog } from '../dispatch/delivery-log.js';
import { NO_TELEMETRY } from '../options/events-telemetry.js';
import type { DomainEventHandler } from '../dispatch/handler-context.js';
import { HandlerInvoker } from '../dispatch/handler-invoker.js';
import {
  ON_DOMAIN_EVENT,
  type DomainEventHandlerMetadata,
} from '../dispatch/on-domain-event.decorator.js';
import {
  matchesAny,
  type SubscriptionDefinition,
} from '../dispatch/subscription-definition.js';
import { SubscriptionFactory } from '../dispatch/subscription-factory.js';
import type { AppendOptions } from '../store/new-event.js';
import type { StoredEvent } from '../store/stored-event.js';
import {
  assertEvents,
  expectError,
  storedShapesOf,
} from './event-expectations.js';
import { RecordingEventBus } from './recording-event-bus.js';

/** Subscription defaults of a specification: one attempt, a generous timeout. */
const DEFAULTS = new SubscriptionFactory({
  handlers: {
    async: true,
    timeoutMs: 30_000,
    retryCount: 1,
    retryDelayMs: 0,
    retryMaxDelayMs: 0,
    shutdownGraceMs: 0,
  },
});

/** A specification reports the handler's failure itself: no log line for it. */
class QuietDeliveryLog extends DeliveryLog {
  constructor() {
    super(false, NO_TELEMETRY);
  }

  override failed(): void {}

  override deliveredMany(): void {}
}

export interface HandlerDelivery {
  /** The event as it was stored and handed to the handler. */
  delivered: StoredEvent;
  /** What the handler published (through the bus or its transaction), in log order. */
  published: StoredEvent[];
}

/**
 * Given/when/then for durable handlers: given an event, stored in the recording bus's log and
 * delivered to an @OnDomainEvent method the way the dispatcher delivers it (the subscription
 * built from the decorator, the handled event's correlation and causation, the subscription's
 * timeout, and for a transactional one `context.transaction`, rolled back if it throws), then
 * what it published. Whatever it wrote through `transaction.manager` goes to the DataSource
 * given to the bus, for the test to read back.
 *
 *   const bus = new RecordingEventBus({ database });
 *   const handler = new ShipOnPaymentHandler(bus);
 *   await HandlerSpecification.for(handler, 'ship', bus)
 *     .given(new OrderPaymentCharged({ orderId, paymentId, amountCents }))
 *     .then([new ShipmentDispatched({ orderId, carrier: 'post' })]);
 */
export const HandlerSpecification = {
  for<T extends object>(
    handler: T,
    method: keyof T & string,
    bus = new RecordingEventBus(),
  ) {
    const subscription = subscriptionOf(handler, method);
    return {
      given: (event: Publishable, options?: AppendOptions) =>
        new HandlerExpectations(bus, subscription, event, options),
    };
  },
};

export class HandlerExpectations {
  constructor(
    private readonly bus: RecordingEventBus,
    private readonly subscription: SubscriptionDefinition,
    private readonly event: Publishable,
    private readonly options: AppendOptions | undefined,
  ) {}

  /** The handler succeeds and publishes exactly these events (type and payload, in order). */
  async then(expected: Publishable | Publishable[]): Promise<HandlerDelivery> {
    const delivery = await this.deliver();
    assertEvents(
      storedShapesOf(delivery.published),
      expected,
      'published events',
    );
    return delivery;
  }

  /** The handler succeeds and publishes nothing. */
  thenNothingPublished(): Promise<HandlerDelivery> {
    return this.then([]);
  }

  /** The handler fails with this error class; a transactional one leaves nothing behind. */
  thenThrows<E extends Error>(
    errorClass: abstract new (...args: never[]) => E,
    check?: (error: E) => boolean,
  ): Promise<E> {
    return expectError(() => this.deliver(), errorClass, check);
  }

  private async deliver(): Promise<HandlerDelivery> {
    const { subscription, bus } = this;
    const [delivered] = await bus.publish([this.event], this.options);
    if (!matchesAny(subscription, delivered.type))
      throw new AssertionError({
        message: `${subscription.owner} does not subscribe to ${delivered.type}`,
      });
    const before = bus.events.length;
    const invoker = new HandlerInvoker(subscription, new QuietDeliveryLog());
    const call = (tx?: Transaction) =>
      subscription.batchHandler
        ? invoker.many([delivered], tx)
        : invoker.one(delivered, 1, tx);
    if (subscription.transactional) {
      await bus.unitOfWork.run(async (tx) => {
        const failure = await call(tx);
        if (failure) throw failure;
      });
    } else {
      const failure = await call();
      if (failure) throw failure;
    }
    return { delivered, published: bus.events.slice(before) };
  }
}

function subscriptionOf<T extends object>(
  handler: T,
  method: keyof T & string,
): SubscriptionDefinition {
  const owner = `${handler.constructor.name}.${method}`;
  const fn = handler[method];
  const metadata =
    typeof fn === 'function'
      ? (Reflect.getMetadata(ON_DOMAIN_EVENT, fn) as
          DomainEventHandlerMetadata | undefined)
      : undefined;
  if (!metadata) throw new Error(`${owner} is not an @OnDomainEvent(s) method`);
  return DEFAULTS.create(
    metadata.selectors,
    { ...metadata.options, retryCount: 1 },
    (fn as DomainEventHandler).bind(handler),
    owner,
    { batch: metadata.batch },
  );
}
