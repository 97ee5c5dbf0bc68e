import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { publicError } from '../../common/errors/public-error.js';
import { eventContext } from '../bus/event-context.js';
import { GroupCommitWriter } from '../bus/writer/group-commit-writer.js';
import { LiveEvents } from '../bus/live-events.js';
import { ClusterJobs } from '../dispatch/cluster-jobs.js';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { SubscriptionControl } from '../dispatch/subscription-control.js';
import { ReplayNotFoundError } from '../errors/not-found.errors.js';
import {
  ReplayAlreadyRunningError,
  ReplayRunningElsewhereError,
  ResetNotCancellableError,
} from '../errors/replay.errors.js';
import { EventStore } from '../store/event-store.js';
import { RangeReplay } from './range-replay.js';
import { ReplayJob, type ReplaySelection } from './replay-job.js';
import { countReplay, planReplay } from './replay-plan.js';
import type { ReplayRequest } from './replay-request.js';
import { rebuildFromReset } from './reset-rebuild.js';

export interface ReplayPreview {
  subscription: string;
  mode: 'range' | 'reset';
  selection: ReplaySelection;
  /** Events the replay would deliver, in all and per type. */
  total: number;
  types: Record<string, number>;
}

// Finished jobs kept for GET /events/replay/:id.
const KEPT_FINISHED = 100;

/**
 * Re-delivers stored events to ONE subscription. A range replay runs beside the live
 * subscription (whose checkpoint and order it leaves alone); a reset clears the read model
 * and rewinds the subscription itself, so the rebuild and live events go through one runner
 * in log order.
 */
@Injectable()
export class ReplayService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ReplayService.name);
  private readonly jobs = new Map<string, ReplayJob>();

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly control: SubscriptionControl,
    private readonly store: EventStore,
    private readonly writer: GroupCommitWriter,
    private readonly live: LiveEvents,
    private readonly cluster: ClusterJobs,
  ) {}

  /** What `start` would deliver, without running any handler. */
  async preview(request: ReplayRequest): Promise<ReplayPreview> {
    const plan = await planReplay(request, this.dispatcher, this.store);
    const { definition, selection } = plan;
    const counts = await countReplay(plan, this.store);
    return {
      subscription: definition.name,
      mode: request.reset ? 'reset' : 'range',
      selection,
      total: [...counts.values()].reduce((sum, count) => sum + count, 0),
      types: Object.fromEntries(counts),
    };
  }

  /** Starts a replay and returns its job at once; `job.whenFinished()` waits for the end. */
  async start(request: ReplayRequest): Promise<ReplayJob> {
    const plan = await planReplay(request, this.dispatcher, this.store);
    const { definition, range, types, selection } = plan;
    const counts = await countReplay(plan, this.store);
    const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
    this.assertNoneRunning(definition.name);
    const held = await this.cluster.tryHold(`replay:${definition.name}`);
    if (!held) throw new ReplayRunningElsewhereError(definition.name);
    const job = new ReplayJob(
      definition.name,
      request.reset ? 'reset' : 'range',
      selection,
      total,
    );
    this.remember(job);
    void job.whenFinished().then((finished) => {
      this.report(finished);
      return held.release();
    });
    if (request.reset) {
      await rebuildFromReset(
        this.control,
        this.dispatcher,
        definition,
        await this.store.settledHead(),
        job,
      ).catch(async (error) => {
        this.jobs.delete(job.id);
        await held.release();
        throw error;
      });
      return job;
    }
    const replay = new RangeReplay(
      definition,
      range,
      types,
      this.store,
      this.writer,
      job,
    );
    // Detached from the caller's request context: the replay outlives the request.
    void eventContext
      .run({}, () => replay.run())
      .then(
        () =>
          job.cancelled
            ? job.finish('cancelled', 'cancelled on request')
            : job.finish('completed'),
        (error: Error) => {
          // The job shows clients the class and message; the log keeps the stack.
          this.logger.error(
            `replay ${job.id} stopped by an error`,
            error.stack,
          );
          job.finish('failed', publicError(error));
        },
      );
    return job;
  }

  get(id: string): ReplayJob {
    const job = this.jobs.get(id);
    if (!job) throw new ReplayNotFoundError(id);
    return job;
  }

  list(): ReplayJob[] {
    return [...this.jobs.values()].reverse();
  }

  /** Stops a range replay after the event in progress; events delivered so far stay delivered. */
  cancel(id: string): ReplayJob {
    const job = this.get(id);
    if (job.finished) return job;
    if (job.mode === 'reset') throw new ResetNotCancellableError(id);
    job.requestCancel();
    return job;
  }

  beforeApplicationShutdown(): void {
    for (const job of this.jobs.values())
      if (job.mode === 'range' && !job.finished) job.requestCancel();
  }

  private assertNoneRunning(subscription: string): void {
    for (const job of this.jobs.values()) {
      if (job.subscription === subscription && !job.finished)
        throw new ReplayAlreadyRunningError(subscription, job.id);
    }
  }

  private remember(job: ReplayJob): void {
    this.jobs.set(job.id, job);
    const finished = [...this.jobs.values()].filter((j) => j.finished);
    for (const old of finished.slice(0, -KEPT_FINISHED))
      this.jobs.delete(old.id);
  }

  private report(job: ReplayJob): void {
    const summary = `replay ${job.id} of ${job.subscription} ${job.state}: ${job.done}/${job.total} events, ${job.failed} failed, ${job.eventsPerSecond} events/s`;
    if (job.state === 'failed') this.logger.error(`${summary}: ${job.reason}`);
    else this.logger.log(summary);
    this.live.replayFinished(job.toJSON());
  }
}
