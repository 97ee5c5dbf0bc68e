import { publicError } from '../../../common/errors/public-error.js';
import { isPermanentFailure } from '../../errors/handler-failures.js';
import type { StoredEvent } from '../../store/stored-event.js';
import { retryDelayMs } from '../retry-policy.js';
import { StopRequested } from './delivery-failures.js';
import type { RunnerServices } from './runner-services.js';
import { passEvent } from './checkpoint.js';

export interface RetryState {
  eventId: string;
  position: number;
  /** The attempt that will run next. */
  attempt: number;
  nextAttemptAt: string;
}

/**
 * What happens to an event whose first attempt failed: retries with exponential backoff until
 * an attempt succeeds, the failure is permanent or the attempts are used up; then the event is
 * parked as a dead letter, in the same commit as the checkpoint that moves past it.
 */
export class RetryAndPark {
  /** The event waiting for its next attempt, if any (GET /events/:id/status shows it). */
  retrying: RetryState | undefined;

  constructor(private readonly run: RunnerServices) {}

  async settle(
    event: StoredEvent,
    firstError: Error,
    attempt: (attempt: number) => Promise<Error | undefined>,
  ): Promise<void> {
    const { retry } = this.run.definition;
    const firstFailedAt = new Date().toISOString();
    let lastError = firstError;
    let attemptsMade = 1;
    try {
      while (attemptsMade < retry.attempts && !isPermanentFailure(lastError)) {
        const delay = retryDelayMs(retry, attemptsMade);
        this.retrying = {
          eventId: event.id,
          position: event.position,
          attempt: attemptsMade + 1,
          nextAttemptAt: new Date(Date.now() + delay).toISOString(),
        };
        await this.run.pauseOutsidePool(delay);
        // Not the handler's fault: the event is delivered again after a restart.
        if (this.run.stopping) throw new StopRequested();
        attemptsMade++;
        this.run.deps.log.retrying(this.run.definition.name);
        const error = await attempt(attemptsMade);
        if (error === undefined) return;
        lastError = error;
        this.run.checkpoint.failed(error);
      }
    } finally {
      this.retrying = undefined;
    }
    await this.park(event, {
      attempts: attemptsMade,
      firstError,
      lastError,
      firstFailedAt,
    });
  }

  private async park(
    event: StoredEvent,
    failure: {
      attempts: number;
      firstError: Error;
      lastError: Error;
      firstFailedAt: string;
    },
  ): Promise<void> {
    const { definition, checkpoint, deps } = this.run;
    const draft = checkpoint.draft();
    passEvent(draft, event);
    draft.deadLettered++;
    await this.run.commit(async (tx) => {
      await deps.deadLetters.park(tx.queryRunner, {
        subscription: definition.name,
        eventPosition: event.position,
        eventId: event.id,
        eventType: event.type,
        attempts: failure.attempts,
        firstError: publicError(failure.firstError),
        lastError: publicError(failure.lastError),
        firstFailedAt: failure.firstFailedAt,
        lastFailedAt: new Date().toISOString(),
      });
      await checkpoint.write(tx, draft);
    });
    checkpoint.replace(draft);
    deps.log.parked(
      definition.name,
      event,
      failure.attempts,
      failure.lastError,
    );
    deps.onDeadLettered(
      definition.name,
      event,
      failure.attempts,
      failure.lastError,
    );
  }
}
