import type { DataSource, QueryRunner } from 'typeorm';

/** What became of a transaction whose COMMIT got no answer. */
export type CommitOutcome = 'committed' | 'aborted' | 'unknown';

// Asking again while the server still runs the old backend, or while it is unreachable.
const ATTEMPTS = 5;
const FIRST_PAUSE_MS = 100;

const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * PostgreSQL: the id of the runner's transaction, or null when it has written nothing (then no
 * COMMIT outcome matters). Read before COMMIT, so that a COMMIT whose answer is lost can be
 * looked up afterwards.
 */
export async function writtenTransactionId(
  runner: QueryRunner,
): Promise<string | null> {
  const rows = (await runner.query(
    'SELECT pg_current_xact_id_if_assigned()::text AS xid',
  )) as { xid: string | null }[];
  return rows[0]?.xid ?? null;
}

/**
 * Whether a transaction committed, asked on a fresh connection: a connection lost during COMMIT
 * says nothing about whether the server recorded it (the commit may be durable and only its
 * answer lost). pg_xact_status answers for any recent transaction; "in progress" means the old
 * backend has not finished yet, so the question is asked again, a bounded number of times.
 */
export async function commitOutcome(
  dataSource: DataSource,
  transactionId: string,
): Promise<CommitOutcome> {
  let pause = FIRST_PAUSE_MS;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const rows = (await dataSource.query(
        'SELECT pg_xact_status($1::xid8) AS status',
        [transactionId],
      )) as { status: string | null }[];
      const status = rows[0]?.status;
      if (status === 'committed') return 'committed';
      if (status === 'aborted') return 'aborted';
    } catch {
      // the database cannot be reached yet: ask again after the pause
    }
    if (attempt < ATTEMPTS) await sleep(pause);
    pause *= 2;
  }
  return 'unknown';
}
