import type { AppendRequest, AppendResult } from '../store/event-store.js';
import type { Transaction } from './transaction.js';
import type {
  SubmitOptions,
  UnitResult,
} from './writer/group-commit-writer.js';

/**
 * Where EventBus and UnitOfWork hand their work: the group-commit writer in the application,
 * an in-memory log in unit tests (src/events/testing), so that both run the same bus code.
 */
export abstract class EventWriter {
  /** Appends one prepared request, atomically; rejects with why it was not stored. */
  abstract append(
    request: AppendRequest,
    options?: SubmitOptions,
  ): Promise<AppendResult>;

  /** Runs `work` in one transaction: its writes and its appends commit together or not at all. */
  abstract runUnit<T>(
    work: (tx: Transaction) => Promise<T>,
    options?: SubmitOptions,
  ): Promise<UnitResult<T>>;
}
