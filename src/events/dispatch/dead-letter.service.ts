import { Injectable } from '@nestjs/common';
import { ConflictError } from '../../common/errors/domain-error.js';
import { publicError } from '../../common/errors/public-error.js';
import { GroupCommitWriter } from '../bus/writer/group-commit-writer.js';
import { DeadLetterNotFoundError } from '../errors/not-found.errors.js';
import type { DeadLetter, DeadLetterFilter } from '../store/dead-letter.js';
import { DeadLetterStore } from '../store/dead-letter-store.js';
import { EventStore } from '../store/event-store.js';
import { Dispatcher } from './dispatcher.js';

export type RetryOutcome =
  | { outcome: 'delivered'; deadLetter: DeadLetter }
  | { outcome: 'failed'; deadLetter: DeadLetter; error: string };

/** Lists, re-delivers and discards parked events. */
@Injectable()
export class DeadLetterService {
  constructor(
    private readonly deadLetters: DeadLetterStore,
    private readonly store: EventStore,
    private readonly dispatcher: Dispatcher,
    private readonly writer: GroupCommitWriter,
  ) {}

  list(filter: DeadLetterFilter) {
    return this.deadLetters.list(filter);
  }

  async get(id: string): Promise<DeadLetter> {
    const deadLetter = await this.deadLetters.get(id);
    if (!deadLetter) throw new DeadLetterNotFoundError(id);
    return deadLetter;
  }

  /**
   * Delivers the parked event once more, to its own subscription only. On success the entry is
   * removed (in the handler's transaction for transactional subscriptions); on failure it stays
   * parked with the attempt counted.
   */
  async retry(id: string): Promise<RetryOutcome> {
    const deadLetter = await this.get(id);
    if (deadLetter.message) {
      throw new ConflictError(
        `this entry is a message ${deadLetter.subscription} could not store, not an event; publish a corrected message and discard the entry`,
        { subscription: deadLetter.subscription },
      );
    }
    const runner = this.dispatcher.runner(deadLetter.subscription);
    if (!runner && this.dispatcher.definition(deadLetter.subscription)) {
      throw new ConflictError(
        `subscription ${deadLetter.subscription} runs on another instance, which alone can retry its dead letters; try again (the load balancer may send the request there)`,
        { subscription: deadLetter.subscription, reason: 'runs_elsewhere' },
      );
    }
    if (!runner) {
      throw new ConflictError(
        `subscription ${deadLetter.subscription} is not running in this application; discard the entry or restore its handler`,
        { subscription: deadLetter.subscription },
      );
    }
    const event = await this.store.findByPosition(deadLetter.eventPosition);
    if (!event) {
      throw new ConflictError(
        `event ${deadLetter.eventId} is no longer in the log (pruned); discard the entry`,
        {
          event_id: deadLetter.eventId,
        },
      );
    }
    const error = await runner.redeliver(event, deadLetter.attempts + 1, (tx) =>
      this.deadLetters.remove(tx.queryRunner, id),
    );
    if (!error) return { outcome: 'delivered', deadLetter };
    const failedAt = new Date().toISOString();
    await this.writer.runUnit((tx) =>
      this.deadLetters.park(tx.queryRunner, {
        ...deadLetter,
        attempts: 1,
        lastError: publicError(error),
        lastFailedAt: failedAt,
      }),
    );
    return {
      outcome: 'failed',
      deadLetter: await this.get(id),
      error: publicError(error),
    };
  }

  async discard(id: string): Promise<void> {
    await this.get(id);
    await this.writer.runUnit((tx) =>
      this.deadLetters.remove(tx.queryRunner, id),
    );
  }
}
