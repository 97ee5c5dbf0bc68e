import type { DataSource, QueryRunner } from 'typeorm';
import type { WriterConnection } from '../../../database/writer-connection.js';
import { isStorageFault } from '../../../database/storage-fault.js';
import type { EventStore } from '../../store/event-store.js';
import type { StoredEvent } from '../../store/stored-event.js';
import { eventContext } from '../event-context.js';
import type { EventPreparer } from '../event-preparer.js';
import type { Queued, QueuedAppend, QueuedUnit } from './queued-work.js';
import { UnitTransaction } from '../transaction.js';
import { withUnitTimeout } from './unit-timeout.js';

/** Settlements are held back until the group's COMMIT succeeded: nothing is acknowledged early. */
type Settlement = () => void;

export interface GroupOutcome {
  committed: StoredEvent[];
  settlements: Settlement[];
}

/**
 * The group's transaction can no longer be trusted (a storage fault, a failed savepoint
 * release or rollback, or SQLite rolled the whole transaction back by itself): no unit of the
 * group may be acknowledged. `commitAttempted` tells whether COMMIT itself failed, after which
 * nobody knows for sure whether the group's events reached the disk.
 */
export class GroupAbortedError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly commitAttempted: boolean,
    /** After a failed COMMIT on PostgreSQL: what the group did, to settle it if it committed. */
    readonly unanswered?: { transactionId: string; outcome: GroupOutcome },
  ) {
    super(
      `group commit aborted: ${(cause as Error)?.message ?? String(cause)}`,
    );
    this.name = 'GroupAbortedError';
  }
}

/** COMMIT was sent but the connection is still in the transaction: nothing was committed. */
class CommitLeftTransactionOpenError extends Error {
  constructor() {
    super('COMMIT left the transaction open: the group was not committed');
    this.name = 'CommitLeftTransactionOpenError';
  }
}

export interface GroupCommitDependencies {
  dataSource: DataSource;
  connection: WriterConnection;
  store: EventStore;
  preparer: EventPreparer;
}

/**
 * Commits one group: one transaction, each unit in its own savepoint so a failing unit rolls
 * back alone, plain publishes in one multi-row insert. Throws GroupAbortedError when the
 * transaction as a whole failed; the runner passed in is then in an unknown state.
 */
export async function commitGroup(
  deps: GroupCommitDependencies,
  runner: QueryRunner,
  group: Queued[],
): Promise<GroupOutcome> {
  const outcome: GroupOutcome = { committed: [], settlements: [] };
  await step(() => runner.startTransaction());
  for (const item of group) {
    if (item.kind === 'unit') await runUnit(deps, runner, item, outcome);
  }
  const appends = group.filter(
    (item): item is QueuedAppend => item.kind === 'append',
  );
  if (appends.length > 0) await runAppends(deps, runner, appends, outcome);
  if (outcome.committed.length > 1)
    outcome.committed.sort((a, b) => a.position - b.position);
  const transactionId = await step(() => deps.connection.transactionId(runner));
  try {
    await runner.commitTransaction();
  } catch (error) {
    throw new GroupAbortedError(
      error,
      true,
      transactionId === null ? undefined : { transactionId, outcome },
    );
  }
  if (!deps.connection.outsideTransaction(runner))
    throw new GroupAbortedError(new CommitLeftTransactionOpenError(), false);
  return outcome;
}

async function runUnit(
  deps: GroupCommitDependencies,
  runner: QueryRunner,
  item: QueuedUnit,
  outcome: GroupOutcome,
): Promise<void> {
  await step(() => runner.startTransaction()); // a savepoint inside the group transaction
  const tx = new UnitTransaction(
    deps.dataSource,
    runner,
    deps.store,
    deps.preparer,
  );
  let value: unknown;
  try {
    value = await withUnitTimeout(
      eventContext.run(item.context ?? {}, () => item.work(tx)),
      item.timeoutMs,
    );
  } catch (error) {
    tx.close();
    await rollBackUnit(deps, runner, error);
    outcome.settlements.push(() => item.reject(error as Error));
    return;
  }
  tx.close();
  await step(() => runner.commitTransaction()); // releases the savepoint
  outcome.committed.push(...tx.appended);
  outcome.settlements.push(() => item.resolve({ value, events: tx.appended }));
}

/**
 * A unit failed: undo its savepoint, unless the failure was the storage's (then the whole
 * group is suspect) or the transaction is gone (SQLite rolls back by itself on I/O errors).
 */
async function rollBackUnit(
  deps: GroupCommitDependencies,
  runner: QueryRunner,
  error: unknown,
): Promise<void> {
  if (isStorageFault(error)) throw new GroupAbortedError(error, false);
  await step(() => runner.rollbackTransaction());
  if (!deps.connection.transactionAlive())
    throw new GroupAbortedError(error, false);
}

/**
 * Plain publishes share one multi-row insert. If that fails unexpectedly (a constraint race
 * on PostgreSQL), each request is retried in its own savepoint so only the offender fails.
 */
async function runAppends(
  deps: GroupCommitDependencies,
  runner: QueryRunner,
  appends: QueuedAppend[],
  outcome: GroupOutcome,
): Promise<void> {
  await step(() => runner.startTransaction());
  let outcomes;
  try {
    outcomes = await deps.store.append(
      runner,
      appends.map((item) => item.request),
    );
  } catch (error) {
    await rollBackUnit(deps, runner, error);
    if (appends.length === 1) {
      outcome.settlements.push(() => appends[0].reject(error as Error));
      return;
    }
    for (const item of appends) await runAppends(deps, runner, [item], outcome);
    return;
  }
  await step(() => runner.commitTransaction());
  outcomes.forEach((result, index) => {
    const item = appends[index];
    if (!result.ok) {
      outcome.settlements.push(() => item.reject(result.error));
      return;
    }
    const { events, created } = result.result;
    events.forEach((event, i) => created[i] && outcome.committed.push(event));
    outcome.settlements.push(() => item.resolve(result.result));
  });
}

/** A transaction-control statement that fails leaves the group's state unknown. */
async function step<T>(statement: () => Promise<T>): Promise<T> {
  try {
    return await statement();
  } catch (error) {
    throw new GroupAbortedError(error, false);
  }
}
