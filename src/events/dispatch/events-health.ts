import { Inject, Injectable } from '@nestjs/common';
import type { StorageFault } from '../bus/writer/storage-health.js';
import { GroupCommitWriter } from '../bus/writer/group-commit-writer.js';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { ClusterView } from './cluster-view.js';

export type { StorageFault } from '../bus/writer/storage-health.js';

export interface SubscriptionLag {
  name: string;
  /** The instance running it; null while nobody holds it. */
  owner: string | null;
  /** Events committed after its checkpoint. */
  lag: number;
  /** More than maxLag events behind. */
  behind: boolean;
  /** Whether being behind makes this instance not ready. */
  failReadinessOnLag: boolean;
}

/** What health checks need to know of the event platform, and nothing more. */
@Injectable()
export class EventsHealth {
  readonly maxLag: number;
  private readonly capacity: number;

  constructor(
    private readonly writer: GroupCommitWriter,
    private readonly cluster: ClusterView,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    this.maxLag = options.maxLag;
    this.capacity = options.bus.bufferSize;
  }

  /** This instance's name in leases and stats. */
  get instanceId(): string {
    return this.cluster.instanceId;
  }

  /** Why the store cannot be written right now, or null when it can. */
  get storageFault(): StorageFault | null {
    return this.writer.health.current;
  }

  /** Events and units accepted but not yet committed, and how many may wait at most. */
  writeBuffer(): { pending: number; capacity: number } {
    return { pending: this.writer.pending, capacity: this.capacity };
  }

  /** Every subscription's lag and owner, read from the database (the same on every instance). */
  async subscriptions(): Promise<SubscriptionLag[]> {
    return (await this.cluster.subscriptions()).map(
      ({ definition, lag, owner }) => {
        return {
          name: definition.name,
          owner,
          lag,
          behind: lag > this.maxLag,
          failReadinessOnLag: definition.failReadinessOnLag,
        };
      },
    );
  }
}
