import type { StoredEvent } from '../../store/stored-event.js';
import { handlerFailure } from './delivery-failures.js';
import type { RetryAndPark } from './retry-and-park.js';
import type { RunnerServices } from './runner-services.js';

/**
 * Delivery for handlers whose effects live outside the database: at least once, in log order,
 * the checkpoint moved in memory and saved lazily.
 */
export class PlainDelivery {
  constructor(
    private readonly run: RunnerServices,
    private readonly retries: RetryAndPark,
  ) {}

  async process(batch: StoredEvent[]): Promise<void> {
    if (this.run.definition.batchHandler && (await this.deliverAll(batch)))
      return;
    const { checkpoint, invoker } = this.run;
    for (const event of batch) {
      this.run.assertRunning();
      if (this.run.matches(event.type)) {
        // A handler that returns no promise is settled without an await: most are.
        const outcome = invoker.one(event, 1);
        const error = handlerFailure(
          outcome instanceof Promise ? await outcome : outcome,
        );
        if (error === undefined) checkpoint.processed();
        else await this.retry(event, error);
      }
      checkpoint.moveTo(event);
    }
  }

  /**
   * A batch subscription gets every matching event of the batch in one call. When that call
   * fails, the events go through one at a time (each with its own retries), so a poison event
   * is isolated; events the failed call had already handled are then delivered again.
   */
  private async deliverAll(batch: StoredEvent[]): Promise<boolean> {
    const { checkpoint, invoker } = this.run;
    const matching = batch.filter((event) => this.run.matches(event.type));
    if (matching.length > 0) {
      const error = handlerFailure(await invoker.many(matching));
      if (error) {
        checkpoint.failed(error);
        return false;
      }
      checkpoint.processed(matching.length);
    }
    checkpoint.moveTo(batch[batch.length - 1]);
    return true;
  }

  /** The first attempt failed: retries, then parks the event if it keeps failing. */
  private async retry(event: StoredEvent, error: Error): Promise<void> {
    const { checkpoint, invoker } = this.run;
    checkpoint.failed(error);
    await this.retries.settle(event, error, async (attempt) => {
      const retryError = handlerFailure(await invoker.one(event, attempt));
      if (retryError === undefined) checkpoint.processed();
      return retryError;
    });
  }
}
