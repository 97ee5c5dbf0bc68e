import type { EventPattern } from '../patterns/event-pattern.js';
import type { ResetHook } from './on-reset.decorator.js';
import type {
  DomainEventHandler,
  DomainEventsHandler,
} from './handler-context.js';

export interface RetryPolicy {
  /** Attempts per event, the first included. */
  attempts: number;
  /** Delay before the first retry; doubles per attempt, with jitter. */
  delayMs: number;
  maxDelayMs: number;
}

/** A durable subscription: discovered at boot, or defined at run time. */
export interface SubscriptionDefinition {
  name: string;
  patterns: EventPattern[];
  /** Handles one event (for a batch subscription: a batch of one). */
  handler: DomainEventHandler;
  /** Set for @OnDomainEvents subscriptions: handles a run of matching events in one call. */
  batchHandler?: DomainEventsHandler;
  transactional: boolean;
  replayable: boolean;
  startFrom: 'beginning' | 'now';
  /** Whether lagging more than health.max_lag makes /health/ready fail. */
  failReadinessOnLag: boolean;
  retry: RetryPolicy;
  timeoutMs: number;
  /** Set by an @OnReset method: clears the read model so a replay can rebuild it. */
  reset?: ResetHook;
  /** `ClassName.method`, for logs. */
  owner: string;
}

export function matchesAny(
  definition: SubscriptionDefinition,
  type: string,
): boolean {
  return definition.patterns.some((pattern) => pattern.matches(type));
}
