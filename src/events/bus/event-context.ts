import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Ambient causality for everything published while handling one input: an HTTP request
 * (correlation id from X-Correlation-Id) or one event delivered to one handler (correlation
 * inherited, causation = the handled event's id). Publishers never pass these by hand.
 */
export interface EventContext {
  /** Set while serving an HTTP request: its id, for log lines written meanwhile. */
  requestId?: string;
  correlationId?: string;
  causationId?: string;
  actor?: string;
  traceparent?: string;
  /** Set while a durable handler runs: publishing must not wait for delivery (it would wait on itself). */
  inHandler?: boolean;
  /**
   * Set while serving an HTTP request: when the commit buffer is full, writes fail at once
   * (503 with Retry-After) instead of queueing in memory behind the buffer.
   */
  refuseWhenFull?: boolean;
}

const storage = new AsyncLocalStorage<EventContext>();

export const eventContext = {
  current(): EventContext | undefined {
    return storage.getStore();
  },
  run<T>(context: EventContext, work: () => T): T {
    return storage.run(context, work);
  },
  /** Runs `work`, and everything it starts, outside any caller's context. */
  detached<T>(work: () => T): T {
    return storage.exit(work);
  },
};
