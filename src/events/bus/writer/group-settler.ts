import type { Logger } from '@nestjs/common';
import { isStorageFault } from '../../../database/storage-fault.js';
import { StorageUnavailableError } from '../../errors/bus-unavailable.error.js';
import type { CommitFeed } from '../commit-feed.js';
import {
  commitGroup,
  GroupAbortedError,
  type GroupCommitDependencies,
  type GroupOutcome,
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
      const outcome = await commitGroup(this.group, runner, group);
      await connection.release(runner);
      this.acknowledge(outcome);
    } catch (error) {
      await connection
        .recover(runner)
        .catch((recoveryError: unknown) =>
          this.logger.error(
            `writer connection not recovered yet: ${(recoveryError as Error).message}`,
          ),
        );
      const cause = error instanceof GroupAbortedError ? error.cause : error;
      // A connection lost during COMMIT does not mean the COMMIT failed: the server may have
      // recorded it and only the answer got lost. Refusing such a group would tell clients
      // "nothing was stored" about stored events, so the transaction is looked up first.
      const unanswered =
        error instanceof GroupAbortedError ? error.unanswered : undefined;
      if (unanswered) {
        const fate = await connection.commitOutcome(unanswered.transactionId);
        if (fate === 'committed') {
          this.logger.warn(
            `the answer to COMMIT was lost but the group committed: ${group.length} request(s) acknowledged`,
          );
          this.acknowledge(unanswered.outcome);
          return;
        }
        // Aborted: nothing was stored, as the refusal says. Unknown: the refusal says so.
        const unknown = fate === 'unknown';
        this.refuse(group, cause, unknown, unknown);
        return;
      }
      const uncertain =
        error instanceof GroupAbortedError && error.commitAttempted;
      this.refuse(group, cause, uncertain);
    }
  }

  /** The group is durable: its callers get their results and the new events go out. */
  private acknowledge({ committed, settlements }: GroupOutcome): void {
    this.recovery.committed();
    this.feed.publish(committed);
    for (const settle of settlements) settle();
  }

  /**
   * Nothing of the group was acknowledged; every caller learns that its work was not stored, or,
   * when a lost COMMIT could not be looked up, that nobody knows yet.
   */
  private refuse(
    group: Queued[],
    cause: unknown,
    uncertain: boolean,
    outcomeUnknown = false,
  ): void {
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
    const refusal = new StorageUnavailableError(cause, outcomeUnknown);
    for (const item of group) item.reject(refusal);
    this.recovery.schedule();
  }
}
