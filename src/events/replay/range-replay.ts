import { NO_TELEMETRY } from '../options/events-telemetry.js';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { publicError } from '../../common/errors/public-error.js';
import type { GroupCommitWriter } from '../bus/writer/group-commit-writer.js';
import type { Transaction } from '../bus/transaction.js';
import { DeliveryLog } from '../dispatch/delivery-log.js';
import { HandlerInvoker, type Outcome } from '../dispatch/handler-invoker.js';
import { retryDelayMs } from '../dispatch/retry-policy.js';
import {
  matchesAny,
  type SubscriptionDefinition,
} from '../dispatch/subscription-definition.js';
import { isPermanentFailure } from '../errors/handler-failures.js';
import type { EventPattern } from '../patterns/event-pattern.js';
import type { EventRange } from '../store/event-range.js';
import type { EventStore } from '../store/event-store.js';
import type { StoredEvent } from '../store/stored-event.js';
import type { ReplayJob } from './replay-job.js';

const PAGE_SIZE = 2_000;
// Like live dispatch: a transactional chunk holds the single writer, so keep it short.
const TRANSACTIONAL_CHUNK = 100;

/** Thrown inside a unit to roll it back when a handler failed. */
class Failure extends Error {
  constructor(readonly failure: Error) {
    super(failure.message);
  }
}

/**
 * Re-delivers a range of the log to one subscription, beside its live runner (whose checkpoint
 * it never touches), in log order and with the subscription's retry policy. An event that still
 * fails after the last attempt is reported in the job, not parked: the live subscription
 * already delivered it once. Transactional handlers get their writes committed per chunk.
 */
export class RangeReplay {
  private readonly invoker: HandlerInvoker;

  constructor(
    private readonly definition: SubscriptionDefinition,
    private readonly range: EventRange,
    /** Extra type filter from the request, on top of the subscription's own patterns. */
    private readonly types: EventPattern[] | undefined,
    private readonly store: EventStore,
    private readonly writer: GroupCommitWriter,
    private readonly job: ReplayJob,
  ) {
    // One log line per delivered event would drown the log during a large replay; failures
    // are still logged.
    this.invoker = new HandlerInvoker(
      definition,
      new DeliveryLog(false, NO_TELEMETRY),
      true,
    );
  }

  async run(): Promise<void> {
    let after = this.range.afterPosition;
    while (!this.job.cancelled) {
      const page = await this.store.readRange(this.range, after, PAGE_SIZE);
      if (page.length === 0) return;
      after = page[page.length - 1].position;
      const selected = page.filter((event) => this.selects(event.type));
      await this.deliverAll(selected);
      // Reads resolve without a macrotask (better-sqlite3 is synchronous): without this, a
      // filter that selects nothing would keep the process from answering requests until the
      // whole range was read.
      await yieldToEventLoop();
    }
  }

  selects(type: string): boolean {
    return (
      matchesAny(this.definition, type) &&
      (this.types === undefined ||
        this.types.some((pattern) => pattern.matches(type)))
    );
  }

  private async deliverAll(events: StoredEvent[]): Promise<void> {
    const { batchHandler, transactional } = this.definition;
    if (!batchHandler && !transactional) {
      // The common case, kept lean: one handler call per event, retries only on failure.
      for (const event of events) {
        if (this.job.cancelled) return;
        // A handler that returns no promise is settled without an await.
        const outcome = this.invoker.one(event, 1);
        const error = outcome instanceof Promise ? await outcome : outcome;
        if (error === undefined) this.job.recordDelivered(1);
        else await this.retry(event, error);
      }
      return;
    }
    const chunkSize = transactional ? TRANSACTIONAL_CHUNK : events.length;
    for (let start = 0; start < events.length; start += chunkSize) {
      if (this.job.cancelled) return;
      const chunk = events.slice(start, start + chunkSize);
      if ((await this.attemptChunk(chunk)) === undefined) {
        this.job.recordDelivered(chunk.length);
        continue;
      }
      // Isolate the event that fails, with retries, one at a time.
      for (const event of chunk) {
        if (this.job.cancelled) return;
        await this.deliverOne(event);
      }
    }
  }

  private attemptChunk(chunk: StoredEvent[]): Promise<Error | undefined> {
    const { batchHandler } = this.definition;
    if (batchHandler) {
      return this.withTransaction((tx) => this.invoker.many(chunk, tx));
    }
    return this.withTransaction(async (tx) => {
      for (const event of chunk) {
        const error = await this.invoker.one(event, 1, tx);
        if (error) return error;
      }
      return undefined;
    });
  }

  private async deliverOne(event: StoredEvent): Promise<void> {
    const error = await this.attemptOne(event, 1);
    if (error === undefined) this.job.recordDelivered(1);
    else await this.retry(event, error);
  }

  /** Attempts 2, 3, ... with backoff; reports the event in the job if every attempt fails. */
  private async retry(event: StoredEvent, firstError: Error): Promise<void> {
    const { retry } = this.definition;
    let attempt = 1;
    let error: Error | undefined = firstError;
    while (
      error &&
      attempt < retry.attempts &&
      !isPermanentFailure(error) &&
      !this.job.cancelled
    ) {
      await sleep(retryDelayMs(retry, attempt));
      attempt++;
      error = await this.attemptOne(event, attempt);
    }
    if (!error) {
      this.job.recordDelivered(1);
      return;
    }
    this.job.recordError({
      position: event.position,
      eventId: event.id,
      type: event.type,
      attempts: attempt,
      error: publicError(error),
    });
  }

  private attemptOne(
    event: StoredEvent,
    attempt: number,
  ): Promise<Error | undefined> {
    return this.withTransaction((tx) => this.invoker.one(event, attempt, tx));
  }

  /**
   * Runs `attempt` inside a unit of work for transactional subscriptions (rolled back when it
   * reports a failure), directly otherwise.
   */
  private async withTransaction(
    attempt: (tx?: Transaction) => Outcome,
  ): Promise<Error | undefined> {
    if (!this.definition.transactional) return attempt();
    try {
      await this.writer.runUnit(
        async (tx) => {
          const error = await attempt(tx);
          if (error) throw new Failure(error);
        },
        { timeoutMs: null },
      );
      return undefined;
    } catch (error) {
      if (error instanceof Failure) return error.failure;
      throw error;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
