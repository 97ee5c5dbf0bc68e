import { ClusterJobs } from '../dispatch/cluster-jobs.js';
import { LOG_START } from '../store/event-cursor.js';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Inject,
} from '@nestjs/common';
import { GroupCommitWriter } from '../bus/writer/group-commit-writer.js';
import { RetentionStore } from '../store/retention-store.js';

const DAY_MS = 24 * 60 * 60 * 1000;
// Each batch is one short transaction on the single writer, so publishers barely notice: on
// a 1M-event SQLite log, batches of 1,000 held the event loop at most 115 ms (5,000: 348 ms,
// mostly the COMMIT writing the deleted index entries) and pruned 600k events in 4.3 s.
const BATCH = 1_000;

export interface PruneReport {
  /** Events recorded before this instant were old enough. */
  cutoff: string;
  /** The lowest subscription checkpoint: nothing after it was eligible. */
  upToPosition: number;
  pruned: number;
}

/**
 * Applies event.store.retention_days on a schedule (event.store.prune_interval). The rule:
 * an event is deleted only when it was recorded more than retention_days ago, EVERY
 * subscription's checkpoint has passed it, no subscription has it parked as a dead letter,
 * and it belongs to no stream (a stream is the only copy of its aggregate's state, so stream
 * events are kept for as long as the database lives).
 */
@Injectable()
export class RetentionService
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(RetentionService.name);
  private readonly retentionDays: number;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PruneReport | null> | undefined;

  constructor(
    private readonly store: RetentionStore,
    private readonly writer: GroupCommitWriter,
    private readonly jobs: ClusterJobs,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    this.retentionDays = options.retention.days;
    this.intervalMs = options.retention.pruneIntervalMs;
  }

  onApplicationBootstrap(): void {
    if (this.retentionDays === 0) return;
    // A timer rather than a scheduler library: one fixed interval is all retention needs.
    this.timer = setInterval(() => void this.pruneQuietly(), this.intervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * Prunes now; null when retention is off (retention_days: 0) or another instance is pruning.
   * One run at a time, across instances too.
   */
  pruneNow(now = new Date()): Promise<PruneReport | null> {
    this.running ??= this.jobs
      .runAlone('job:retention', () => this.prune(now), null)
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async prune(now: Date): Promise<PruneReport | null> {
    if (this.retentionDays === 0) return null;
    const cutoff = new Date(now.getTime() - this.retentionDays * DAY_MS);
    const upTo = (await this.store.lowestCheckpoint()) ?? { ...LOG_START };
    const upToPosition = upTo.position;
    const report: PruneReport = {
      cutoff: cutoff.toISOString(),
      upToPosition,
      pruned: 0,
    };
    // Rows from the first recent one on cannot be pruned: batches stop there instead of
    // reading the whole log up to the checkpoints when little or nothing is old enough.
    const below =
      (await this.store.recentFrom(report.cutoff, 1, upToPosition)) ??
      upToPosition + 1;
    let after = 0;
    for (;;) {
      const batch = await this.writer.runUnit(
        async (tx) => {
          const result = await this.store.pruneBatch(
            tx.queryRunner,
            { cutoff: report.cutoff, upTo, after, below },
            BATCH,
          );
          if (result.pruned > 0) {
            await this.store.recordRun(tx.queryRunner, {
              ...report,
              pruned: result.pruned,
            });
          }
          return result;
        },
        { timeoutMs: null },
      );
      report.pruned += batch.value.pruned;
      if (batch.value.pruned < BATCH || batch.value.last === null) break;
      after = batch.value.last;
    }
    if (report.pruned > 0) {
      this.logger.log(
        `pruned ${report.pruned} events recorded before ${report.cutoff} (up to position ${upToPosition})`,
      );
    }
    return report;
  }

  private async pruneQuietly(): Promise<void> {
    try {
      await this.pruneNow();
    } catch (error) {
      this.logger.warn(
        `retention run failed, next try in ${this.intervalMs}ms: ${(error as Error).message}`,
      );
    }
  }
}
