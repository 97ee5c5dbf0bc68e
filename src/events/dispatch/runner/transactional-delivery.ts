import type { StoredEvent } from '../../store/stored-event.js';
import { passEvent } from './checkpoint.js';
import {
  committedOrFailure,
  handlerFailure,
  HandlerFailure,
} from './delivery-failures.js';
import type { RetryAndPark } from './retry-and-park.js';
import type { RunnerServices } from './runner-services.js';

// Transactional slices hold the writer while their handlers run: keep them short.
const TRANSACTIONAL_SLICE = 100;
const SLICE_BUDGET_MS = 50;

/**
 * Delivery for handlers that write through `context.transaction`: their writes and the
 * checkpoint commit together, so each event's effects happen exactly once.
 *
 * Matching events are handled in slices, each slice in one transaction. A slice also ends once
 * it has held the writer for SLICE_BUDGET_MS, so quick handlers never add up to a long
 * transaction. A failure rolls its slice back; the events before it are committed again on
 * their own, and the failing event goes through retries alone. A batch subscription gets each
 * slice in one call, and after a failed call the slice goes through one event at a time.
 */
export class TransactionalDelivery {
  constructor(
    private readonly run: RunnerServices,
    private readonly retries: RetryAndPark,
  ) {}

  async process(batch: StoredEvent[]): Promise<void> {
    let offset = 0;
    let failed: { at: number; error: Error } | undefined;
    let oneByOneUntil = this.run.definition.batchHandler ? 0 : batch.length;
    const lastMatch = batch.findLastIndex((event) =>
      this.run.matches(event.type),
    );
    while (offset < batch.length) {
      this.run.assertRunning();
      if (failed?.at === offset) {
        const event = batch[offset];
        await this.retries.settle(event, failed.error, (attempt) =>
          this.attempt(event, attempt),
        );
        failed = undefined;
        offset++;
        continue;
      }
      if (!failed && offset > lastMatch) {
        // Nothing left to handle: the checkpoint may move lazily, like a plain one's.
        this.run.checkpoint.moveTo(batch[batch.length - 1]);
        break;
      }
      if (offset >= oneByOneUntil) {
        const failure = await this.commitBatchSlice(batch.slice(offset));
        if (!failure) break;
        this.run.checkpoint.failed(failure);
        oneByOneUntil = batch.length;
        continue;
      }
      const end = Math.min(
        offset + TRANSACTIONAL_SLICE,
        failed?.at ?? batch.length,
      );
      const outcome = await this.commitSlice(batch.slice(offset, end));
      if (outcome.failure) {
        this.run.checkpoint.failed(outcome.failure.failure);
        failed = {
          at: offset + outcome.failure.index,
          error: outcome.failure.failure,
        };
      } else {
        offset += outcome.handled;
      }
    }
  }

  /** One attempt at one event, committed with the checkpoint that passes it. */
  async attempt(
    event: StoredEvent,
    attempt: number,
  ): Promise<Error | undefined> {
    const { checkpoint, invoker } = this.run;
    const draft = checkpoint.draft();
    const failure = await committedOrFailure(() =>
      this.run.commit(async (tx) => {
        const error = handlerFailure(await invoker.one(event, attempt, tx));
        if (error) throw new HandlerFailure(0, error);
        draft.processed++;
        passEvent(draft, event);
        await checkpoint.write(tx, draft);
      }),
    );
    if (failure) return failure.failure;
    checkpoint.replace(draft);
    return undefined;
  }

  /** Commits a leading part of `slice` (at least one event), or reports where it failed. */
  private async commitSlice(
    slice: StoredEvent[],
  ): Promise<{ handled: number; failure?: HandlerFailure }> {
    const { checkpoint, invoker } = this.run;
    const draft = checkpoint.draft();
    let handled = 0;
    const failure = await committedOrFailure(() =>
      this.run.commit(async (tx) => {
        const started = performance.now();
        for (let index = 0; index < slice.length; index++) {
          if (index > 0 && performance.now() - started > SLICE_BUDGET_MS) break;
          const event = slice[index];
          if (this.run.matches(event.type)) {
            const error = handlerFailure(await invoker.one(event, 1, tx));
            if (error) throw new HandlerFailure(index, error);
            draft.processed++;
          }
          passEvent(draft, event);
          handled = index + 1;
        }
        await checkpoint.write(tx, draft);
      }),
    );
    if (failure) return { handled: 0, failure };
    checkpoint.replace(draft);
    return { handled };
  }

  /** One call for the matching events of `slice`, committed with the checkpoint. */
  private async commitBatchSlice(
    slice: StoredEvent[],
  ): Promise<Error | undefined> {
    const { checkpoint, invoker } = this.run;
    const matching = slice.filter((event) => this.run.matches(event.type));
    const draft = checkpoint.draft();
    passEvent(draft, slice[slice.length - 1]);
    draft.processed += matching.length;
    const failure = await committedOrFailure(() =>
      this.run.commit(async (tx) => {
        if (matching.length > 0) {
          const error = handlerFailure(await invoker.many(matching, tx));
          if (error) throw new HandlerFailure(-1, error);
        }
        await checkpoint.write(tx, draft);
      }),
    );
    if (failure) return failure.failure;
    checkpoint.replace(draft);
    return undefined;
  }
}
