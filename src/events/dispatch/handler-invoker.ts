import { eventContext } from '../bus/event-context.js';
import type { Transaction } from '../bus/transaction.js';
import { HandlerTimeoutError } from '../errors/handler-failures.js';
import type { StoredEvent } from '../store/stored-event.js';
import type { DeliveryLog } from './delivery-log.js';
import { DeliveryContext } from './handler-context.js';
import type { SubscriptionDefinition } from './subscription-definition.js';

/**
 * Calls a subscription's handler for one event or a batch: inside the handled event's context
 * (so whatever it publishes inherits the correlation id, with the event as causation), bounded
 * by the subscription's timeout (aborting `context.signal`), with one log line per call.
 * Returns the failure instead of throwing it.
 */
export class HandlerInvoker {
  constructor(
    private readonly definition: SubscriptionDefinition,
    private readonly log: DeliveryLog,
    /** Set for replays: handlers see `context.replay`. */
    private readonly replay = false,
  ) {}

  /**
   * Settles synchronously when the handler returns no promise: a plain handler then costs no
   * promise, no await and no async-context hop per event, which the dispatch loop and replay
   * rely on (awaiting the result works either way).
   */
  one(event: StoredEvent, attempt: number, transaction?: Transaction): Outcome {
    const { name, handler } = this.definition;
    const context = new DeliveryContext(
      name,
      attempt,
      this.replay,
      transaction,
    );
    const started = performance.now();
    const outcome = this.call(event, context, () => handler(event, context));
    if (outcome instanceof Promise) {
      return outcome.then((failure) =>
        this.logOne(event, attempt, started, failure),
      );
    }
    return this.logOne(event, attempt, started, outcome);
  }

  /** One call for several events (subscriptions declared with @OnDomainEvents). */
  async many(
    events: StoredEvent[],
    transaction?: Transaction,
  ): Promise<Error | undefined> {
    const { name, batchHandler } = this.definition;
    if (!batchHandler) throw new Error(`${name} takes events one at a time`);
    const context = new DeliveryContext(name, 1, this.replay, transaction);
    const started = performance.now();
    const last = events[events.length - 1];
    const failure = await this.call(last, context, () =>
      batchHandler(events, context),
    );
    this.log.deliveredMany(name, events, performance.now() - started, failure);
    return failure;
  }

  private logOne(
    event: StoredEvent,
    attempt: number,
    started: number,
    failure: Error | undefined,
  ): Error | undefined {
    const { name, retry } = this.definition;
    const duration = performance.now() - started;
    if (failure) {
      this.log.failed(name, event, attempt, retry.attempts, duration, failure);
    } else {
      this.log.delivered(name, event, attempt, duration);
    }
    return failure;
  }

  private call(
    cause: StoredEvent,
    context: DeliveryContext,
    work: () => unknown,
  ): Outcome {
    let result: unknown;
    try {
      result = eventContext.run(
        {
          correlationId: cause.correlationId,
          causationId: cause.id,
          actor: cause.metadata.actor,
          inHandler: true,
        },
        work,
      );
    } catch (error) {
      return asError(error);
    }
    if (!isThenable(result)) return undefined;
    return withTimeout(
      result,
      this.definition.timeoutMs,
      context,
      this.definition.name,
    ).then(
      () => undefined,
      (error: unknown) => asError(error),
    );
  }
}

/** A handler's failure, or undefined; a promise of it only when the handler returned one. */
export type Outcome = Error | undefined | Promise<Error | undefined>;

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof (value as PromiseLike<unknown> | undefined)?.then === 'function'
  );
}

async function withTimeout(
  work: PromiseLike<unknown>,
  timeoutMs: number,
  context: DeliveryContext,
  subscription: string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new HandlerTimeoutError(subscription, timeoutMs);
      context.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
