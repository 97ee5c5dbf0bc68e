import { Injectable } from '@nestjs/common';
import { GroupCommitWriter } from '../bus/group-commit-writer.js';
import { DeadLetterStore } from '../store/dead-letter-store.js';
import { EventStore } from '../store/event-store.js';
import type { RetryState } from './subscription-runner.js';
import { Dispatcher } from './dispatcher.js';

export interface SubscriptionStats {
  name: string;
  patterns: string[];
  transactional: boolean;
  replayable: boolean;
  position: number;
  lag: number;
  processed: number;
  failed: number;
  deadLettered: number;
  parked: number;
  retrying: RetryState | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

export interface EventStats {
  published: number;
  head: number;
  processed: number;
  failed: number;
  deadLettered: number;
  retrying: number;
  pendingCommit: number;
  subscribers: Record<string, number>;
  subscriptions: SubscriptionStats[];
}

/** Counters from the store and the running subscriptions; all but `retrying` survive restarts. */
@Injectable()
export class EventStatsService {
  constructor(
    private readonly store: EventStore,
    private readonly deadLetters: DeadLetterStore,
    private readonly dispatcher: Dispatcher,
    private readonly writer: GroupCommitWriter,
  ) {}

  async stats(): Promise<EventStats> {
    const [published, head, parked] = await Promise.all([
      this.store.count(),
      this.store.head(),
      this.deadLetters.countBySubscription(),
    ]);
    const subscribers: Record<string, number> = {};
    const subscriptions = this.dispatcher.all.map(
      (runner): SubscriptionStats => {
        const { definition, snapshot } = runner;
        for (const pattern of definition.patterns) {
          subscribers[pattern.source] = (subscribers[pattern.source] ?? 0) + 1;
        }
        return {
          name: definition.name,
          patterns: definition.patterns.map((pattern) => pattern.source),
          transactional: definition.transactional,
          replayable: definition.replayable,
          position: snapshot.position,
          lag: Math.max(0, head - snapshot.position),
          processed: snapshot.processed,
          failed: snapshot.failed,
          deadLettered: snapshot.deadLettered,
          parked: parked.get(definition.name) ?? 0,
          retrying: runner.retrying ?? null,
          lastError: snapshot.lastError,
          lastErrorAt: snapshot.lastErrorAt,
        };
      },
    );
    const sum = (pick: (s: SubscriptionStats) => number) =>
      subscriptions.reduce((total, s) => total + pick(s), 0);
    return {
      published,
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
    };
  }
}
