import { isStorageFault } from '../../../database/storage-fault.js';
import { DependencyUnavailable } from '../../errors/handler-failures.js';

/** The runner is stopping: unwinds a delivery loop without counting anything. */
export class StopRequested extends Error {}

/**
 * The database could not be written while delivering: not the handler's failure. The
 * subscription pauses until the writer recovers and then delivers the same events again, with
 * no attempt counted and nothing parked.
 */
export class StoragePause extends Error {
  constructor(readonly fault: unknown) {
    super('storage unavailable', { cause: fault });
  }
}

/** The handler's downstream is unreachable: the subscription waits for it, counting nothing. */
export class DependencyPause extends Error {
  constructor(readonly unavailable: DependencyUnavailable) {
    super(unavailable.message, { cause: unavailable });
  }
}

/** A handler failed inside a unit of work; thrown to roll the unit back. */
export class HandlerFailure extends Error {
  constructor(
    /** Index of the failing event in the slice; -1 for a batch call. */
    readonly index: number,
    readonly failure: Error,
  ) {
    // The cause lets the writer tell a storage fault inside the handler from its own failure.
    super(failure.message, { cause: failure });
  }
}

/**
 * A handler's failure, unless it was the storage's or the handler's downstream was
 * unreachable: then the subscription pauses instead.
 */
export function handlerFailure(error: Error | undefined): Error | undefined {
  if (error !== undefined && isStorageFault(error))
    throw new StoragePause(error);
  if (error instanceof DependencyUnavailable) throw new DependencyPause(error);
  return error;
}

/**
 * Runs `commit`, whose work throws HandlerFailure to roll its unit back, and tells which
 * handler failure (if any) undid it. Anything else (the writer's own refusal) is thrown.
 */
export async function committedOrFailure(
  commit: () => Promise<void>,
): Promise<HandlerFailure | undefined> {
  try {
    await commit();
    return undefined;
  } catch (error) {
    if (error instanceof HandlerFailure) return error;
    throw error;
  }
}
