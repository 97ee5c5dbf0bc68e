import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { Injectable, Inject } from '@nestjs/common';
import { GroupCommitWriter } from '../bus/writer/group-commit-writer.js';
import { DeadLetterStore } from '../store/dead-letter-store.js';
import { EventStore } from '../store/event-store.js';
import { RetentionStore } from '../store/retention-store.js';
import type { RetryState } from './runner/subscription-runner.js';
import { ClusterView } from './cluster-view.js';

export interface SubscriptionStats {
  name: string;
  /** The instance running it (from the database); null while nobody holds it. */
  owner: string | null;
  patterns: string[];
  transactional: boolean;
  replayable: boolean;
  position: number;
  lag: number;
  /** More than health.max_lag events behind. */
  behind: boolean;
  /** Whether being behind makes /health/ready fail. */
  failReadinessOnLag: boolean;
  processed: number;
  failed: number;
  deadLettered: number;
  parked: number;
  retrying: RetryState | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

export interface EventStats {
  /** The instance answering: `pendingCommit` and `retrying` are its own, in memory. */
  instance: string;
  /** Events ever committed: those in the store plus those pruned. */
  published: number;
  /** Events in the store now. */
  stored: number;
  head: number;
  processed: number;
  failed: number;
  deadLettered: number;
  retrying: number;
  pendingCommit: number;
  subscribers: Record<string, number>;
  subscriptions: SubscriptionStats[];
  retention: { days: number; pruned: number; lastPrunedAt: string | null };
}

/** Counters from the store and the running subscriptions; all but `retrying` survive restarts. */
@Injectable()
export class EventStatsService {
  private readonly retentionDays: number;
  private readonly maxLag: number;

  constructor(
    private readonly store: EventStore,
    private readonly deadLetters: DeadLetterStore,
    private readonly cluster: ClusterView,
    private readonly writer: GroupCommitWriter,
    private readonly retention: RetentionStore,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    this.retentionDays = options.retention.days;
    this.maxLag = options.maxLag;
  }

  async stats(): Promise<EventStats> {
    const [stored, head, parked, pruning, cluster] = await Promise.all([
      this.store.count(),
      this.store.head(),
      this.deadLetters.countBySubscription(),
      this.retention.totals(),
      this.cluster.subscriptions(),
    ]);
    const subscribers: Record<string, number> = {};
    const subscriptions = cluster.map(
      ({
        definition,
        state: snapshot,
        owner,
        lag,
        runner,
      }): SubscriptionStats => {
        for (const pattern of definition.patterns) {
          subscribers[pattern.source] = (subscribers[pattern.source] ?? 0) + 1;
        }
        return {
          name: definition.name,
          owner,
          patterns: definition.patterns.map((pattern) => pattern.source),
          transactional: definition.transactional,
          replayable: definition.replayable,
          position: snapshot.position,
          lag,
          behind: lag > this.maxLag,
          failReadinessOnLag: definition.failReadinessOnLag,
          processed: snapshot.processed,
          failed: snapshot.failed,
          deadLettered: snapshot.deadLettered,
          parked: parked.get(definition.name) ?? 0,
          retrying: runner?.retrying ?? null,
          lastError: snapshot.lastError,
          lastErrorAt: snapshot.lastErrorAt,
        };
      },
    );
    const sum = (pick: (s: SubscriptionStats) => number) =>
      subscriptions.reduce((total, s) => total + pick(s), 0);
    return {
      instance: this.cluster.instanceId,
      published: stored + pruning.pruned,
      stored,
      head,
      processed: sum((s) => s.processed),
      failed: sum((s) => s.failed),
      deadLettered: [...parked.values()].reduce(
        (total, count) => total + count,
        0,
      ),
      retrying: subscriptions.filter((s) => s.retrying !== null).length,
      pendingCommit: this.writer.pending,
      subscribers,
      subscriptions,
      retention: { days: this.retentionDays, ...pruning },
    };
  }
}
