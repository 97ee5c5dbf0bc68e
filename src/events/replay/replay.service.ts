import { ClusterJobs } from '../dispatch/cluster-jobs.js';
import {
  ReplayRunningElsewhereError,
  ResetElsewhereError,
} from '../errors/replay.errors.js';
import { compareCursors, type LogCursor } from '../store/event-cursor.js';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import { publicError } from '../../common/errors/public-error.js';
import { eventContext } from '../bus/event-context.js';
import { GroupCommitWriter } from '../bus/writer/group-commit-writer.js';
import { LiveEvents } from '../bus/live-events.js';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { SubscriptionControl } from '../dispatch/subscription-control.js';
import {
  matchesAny,
  type SubscriptionDefinition,
} from '../dispatch/subscription-definition.js';
import {
  ReplayNotFoundError,
  SubscriptionNotFoundError,
} from '../errors/not-found.errors.js';
import {
  NoResetHookError,
  NotReplayableError,
  ReplayAlreadyRunningError,
  ResetNotCancellableError,
} from '../errors/replay.errors.js';
import { EventPattern } from '../patterns/event-pattern.js';
import type { EventRange } from '../store/event-range.js';
import { EventStore } from '../store/event-store.js';
import { RangeReplay } from './range-replay.js';
import { ReplayJob, type ReplaySelection } from './replay-job.js';

export interface ReplayRequest {
  subscription: string;
  /** First position to replay (inclusive); or `since`, an event time. */
  fromPosition?: number;
  /** Last position to replay (inclusive; default: the head when the replay starts); or `until`. */
  toPosition?: number;
  since?: string;
  until?: string;
  /** Event types or patterns, narrowing the subscription's own. */
  types?: string[];
  aggregateId?: string;
  /** Clear the read model (@OnReset) and rebuild it from position 0. */
  reset?: boolean;
}

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
    const { definition, range, types, selection } = await this.plan(request);
    const counts = await this.count(definition, range, types);
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
    const { definition, range, types, selection } = await this.plan(request);
    const counts = await this.count(definition, range, types);
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
      await this.rebuild(definition, await this.store.settledHead(), job).catch(
        async (error) => {
          this.jobs.delete(job.id);
          await held.release();
          throw error;
        },
      );
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

  /**
   * Clears the read model and rewinds the checkpoint in one transaction, then lets the live
   * runner rebuild up to `head`; progress is read off its counters. Returns once rewound.
   */
  private async rebuild(
    definition: SubscriptionDefinition,
    head: LogCursor,
    job: ReplayJob,
  ): Promise<void> {
    const rewound = await this.control.rewind(
      definition.name,
      definition.reset as NonNullable<SubscriptionDefinition['reset']>,
    );
    const runner = this.dispatcher.runner(definition.name);
    if (!runner) throw new Error(`subscription ${definition.name} stopped`);
    job.trackWith(() => ({
      done: runner.snapshot.processed - rewound.processed,
      failed: runner.snapshot.deadLettered - rewound.deadLettered,
    }));
    void runner.reached(head).then(() => {
      if (compareCursors(runner.checkpoint.cursor, head) >= 0)
        job.finish('completed');
      else
        job.finish(
          'cancelled',
          'the subscription stopped before the rebuild finished; it continues from its checkpoint at the next start',
        );
    });
  }

  private async plan(request: ReplayRequest): Promise<{
    definition: SubscriptionDefinition;
    range: EventRange;
    types: EventPattern[] | undefined;
    selection: ReplaySelection;
  }> {
    const definition = this.dispatcher.definition(request.subscription);
    if (!definition) throw new SubscriptionNotFoundError(request.subscription);
    if (!definition.replayable) throw new NotReplayableError(definition.name);
    if (request.reset) {
      assertResetAlone(request);
      if (!definition.reset) throw new NoResetHookError(definition.name);
      if (!this.dispatcher.runner(definition.name))
        throw new ResetElsewhereError(definition.name);
    }
    assertRangeConsistent(request);
    const head = await this.store.head();
    const toPosition = Math.min(request.toPosition ?? head, head);
    const types = request.types?.map((type) => EventPattern.parse(type));
    return {
      definition,
      types,
      range: {
        afterPosition: (request.fromPosition ?? 1) - 1,
        toPosition,
        since: request.since,
        until: request.until,
        streamId: request.aggregateId,
      },
      selection: {
        fromPosition: request.fromPosition,
        toPosition,
        since: request.since,
        until: request.until,
        types: request.types,
        aggregateId: request.aggregateId,
      },
    };
  }

  private async count(
    definition: SubscriptionDefinition,
    range: EventRange,
    types: EventPattern[] | undefined,
  ): Promise<Map<string, number>> {
    const counts = await this.store.countRangeByType(range);
    let examined = 0;
    for (const type of counts.keys()) {
      // A range may hold many distinct types, each matched against up to 50 patterns.
      if (++examined % 1_000 === 0) await yieldToEventLoop();
      const selected =
        matchesAny(definition, type) &&
        (types === undefined || types.some((pattern) => pattern.matches(type)));
      if (!selected) counts.delete(type);
    }
    return counts;
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

function assertResetAlone(request: ReplayRequest): void {
  const ranged: [keyof ReplayRequest, string][] = [
    ['fromPosition', 'from_position'],
    ['toPosition', 'to_position'],
    ['since', 'since'],
    ['until', 'until'],
    ['types', 'types'],
    ['aggregateId', 'aggregate_id'],
  ];
  for (const [key, field] of ranged) {
    if (request[key] !== undefined) {
      throw new InvalidInputError(
        field,
        `${field} cannot be combined with reset: a reset rebuilds the read model from the whole log`,
      );
    }
  }
}

function assertRangeConsistent(request: ReplayRequest): void {
  if (request.fromPosition !== undefined && request.since !== undefined) {
    throw new InvalidInputError(
      'since',
      'from_position and since are alternatives: give one of them',
    );
  }
  if (request.toPosition !== undefined && request.until !== undefined) {
    throw new InvalidInputError(
      'until',
      'to_position and until are alternatives: give one of them',
    );
  }
  if (
    request.fromPosition !== undefined &&
    request.toPosition !== undefined &&
    request.fromPosition > request.toPosition
  ) {
    throw new InvalidInputError(
      'to_position',
      'to_position must not be below from_position',
    );
  }
  if (
    request.since !== undefined &&
    request.until !== undefined &&
    Date.parse(request.since) >= Date.parse(request.until)
  ) {
    throw new InvalidInputError('until', 'until must be later than since');
  }
}
