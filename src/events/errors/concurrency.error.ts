import { ConflictError } from '../../common/errors/domain-error.js';

/** The stream moved on since the caller read it: reload, decide again, retry. */
export class ConcurrencyError extends ConflictError {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(
      `stream ${streamId} is at version ${currentVersion}, expected ${expectedVersion}`,
      {
        stream_id: streamId,
        expected_version: expectedVersion,
        current_version: currentVersion,
      },
    );
  }
}
