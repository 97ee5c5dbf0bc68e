import type { Logger } from '@nestjs/common';
import { isStorageFault } from '../../../database/storage-fault.js';
import { StorageUnavailableError } from '../../errors/bus-unavailable.error.js';
import type { CommitFeed } from '../commit-feed.js';
import {
  commitGroup,
  GroupAbortedError,
  type GroupCommitDependencies,
} from './group-commit.js';
import type { Queued } from './queued-work.js';
import type { RecoveryProbe } from './recovery-probe.js';
import type { StorageHealth } from './storage-health.js';

/**
 * Settles every caller of a group, and only after the outcome is known: on a durable COMMIT each
 * unit's own result is delivered and the new events go to the commit feed; when the group as a
 * whole fails, the connection is brought back to a known state, every caller is refused with
 * StorageUnavailableError (HTTP 503) and the recovery probe starts. Never throws for a storage
 * failure: the group loop must go on to the next group.
 */
export class GroupSettler {
  constructor(
    private readonly group: GroupCommitDependencies,
    private readonly feed: CommitFeed,
    private readonly health: StorageHealth,
    private readonly recovery: RecoveryProbe,
    private readonly logger: Logger,
  ) {}

  async commit(group: Queued[]): Promise<void> {
    const { connection } = this.group;
    let runner;
    try {
      runner = await connection.open();
    } catch (error) {
      this.refuse(group, error, false);
      return;
    }
    try {
      const { committed, settlements } = await commitGroup(
        this.group,
        runner,
        group,
      );
      await connection.release(runner);
      this.recovery.committed();
      this.feed.publish(committed);
      for (const settle of settlements) settle();
    } catch (error) {
      await connection
        .recover(runner)
        .catch((recoveryError: unknown) =>
          this.logger.error(
            `writer connection not recovered yet: ${(recoveryError as Error).message}`,
          ),
        );
      const cause = error instanceof GroupAbortedError ? error.cause : error;
      const uncertain =
        error instanceof GroupAbortedError && error.commitAttempted;
      this.refuse(group, cause, uncertain);
    }
  }

  /** Nothing of the group was acknowledged; every caller learns that its work was not stored. */
  private refuse(group: Queued[], cause: unknown, uncertain: boolean): void {
    const storage = isStorageFault(cause);
    this.logger.error(
      `commit failed, ${group.length} request(s) refused: ${(cause as Error)?.message ?? String(cause)}`,
      // A storage fault is expected operation (disk full, read-only): its stack says nothing new.
      storage ? undefined : (cause as Error)?.stack,
    );
    // After a failed COMMIT the events may or may not be on disk: in-memory views of the log
    // must go back to the store for everything up to the next commit.
    if (uncertain) this.feed.publishUncertain();
    this.health.markFaulted(cause);
    const refusal = new StorageUnavailableError(cause);
    for (const item of group) item.reject(refusal);
    this.recovery.schedule();
  }
}
