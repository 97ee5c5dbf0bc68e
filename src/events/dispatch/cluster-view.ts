import { Inject, Injectable } from '@nestjs/common';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { EventStore } from '../store/event-store.js';
import { LeaseStore } from '../store/lease-store.js';
import {
  subscriptionLease,
  SubscriptionStore,
  type SubscriptionState,
} from '../store/subscription-store.js';
import { Dispatcher } from './dispatcher.js';
import type { SubscriptionRunner } from './runner/subscription-runner.js';
import type { SubscriptionDefinition } from './subscription-definition.js';

/** One subscription as the whole cluster sees it. */
export interface ClusterSubscription {
  definition: SubscriptionDefinition;
  /** Its checkpoint: this instance's own when it runs here (fresher), else the stored one. */
  state: SubscriptionState;
  /** The instance running it; null when nobody holds its lease right now. */
  owner: string | null;
  /** Events after its checkpoint. */
  lag: number;
  /** Its runner, when it runs on this instance. */
  runner: SubscriptionRunner | undefined;
}

// A lag this large is reported as is: counting further only costs the database time.
const LAG_COUNT_CAP = 1_000_000;

/**
 * Subscriptions, owners and lag read from the database, so every instance reports the same;
 * on SQLite the one process runs everything and this instance is every owner.
 */
@Injectable()
export class ClusterView {
  readonly instanceId: string;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly checkpoints: SubscriptionStore,
    private readonly store: EventStore,
    private readonly leases: LeaseStore,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    this.instanceId = options.cluster.instanceId;
  }

  async subscriptions(): Promise<ClusterSubscription[]> {
    const clustered = this.checkpoints.dialect.kind === 'postgres';
    const [stored, leases, head] = await Promise.all([
      this.checkpoints.loadAll(),
      clustered ? this.leases.list() : Promise.resolve([]),
      this.store.head(),
    ]);
    const owners = new Map(
      leases.filter((l) => l.live).map((l) => [l.name, l.owner]),
    );
    const view: ClusterSubscription[] = [];
    for (const name of this.dispatcher.definitionNames()) {
      const definition = this.dispatcher.definition(name);
      const runner = this.dispatcher.runner(name);
      const state = runner?.snapshot ?? stored.get(name);
      if (!definition || !state) continue;
      const owner = clustered
        ? (owners.get(subscriptionLease(name)) ?? null)
        : this.instanceId;
      const lag = clustered
        ? await this.store.countAfter(
            { txid: state.txid, position: state.position },
            LAG_COUNT_CAP,
          )
        : Math.max(0, head - state.position);
      view.push({ definition, state: { ...state }, owner, lag, runner });
    }
    return view;
  }
}
