import {
  TooLargeError,
  UnavailableError,
} from '../../common/errors/domain-error.js';

/** A batch larger than event.bus.max_batch: refused whole, whatever room the buffer has. */
export class BatchTooLargeError extends TooLargeError {
  constructor(size: number, limit: number) {
    super(
      `a batch holds at most ${limit} events (event.bus.max_batch); this one has ${size}`,
      { limit },
    );
  }
}

/** More events wait for commit than event.bus.buffer_size allows. */
export class BufferFullError extends UnavailableError {
  constructor(limit: number) {
    super(
      `the commit buffer is full (${limit} events waiting); retry shortly`,
      1,
    );
  }
}

/** The application is shutting down and accepts no new writes. */
export class ShuttingDownError extends UnavailableError {
  constructor() {
    super('the service is shutting down; retry on another instance', 5);
  }
}

/**
 * The database could not be written (I/O error, full disk, read-only file, lost connection).
 * Nothing of the request was stored; the writer recovers by itself once the fault clears.
 */
export class StorageUnavailableError extends UnavailableError {
  readonly storageFault = true;

  /**
   * `outcomeUnknown`: the connection was lost during COMMIT and the database could not be asked
   * afterwards whether it committed; the client must not be told that nothing was stored.
   */
  constructor(cause: unknown, outcomeUnknown = false) {
    super(
      outcomeUnknown
        ? 'the connection to the event store was lost while committing and the outcome is unknown; retry with the same event ids (one already stored answers 200)'
        : 'the event store cannot be written right now; nothing was stored, retry shortly',
      2,
    );
    this.cause = cause;
  }
}
