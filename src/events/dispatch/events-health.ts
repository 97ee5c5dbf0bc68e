import { Inject, Injectable } from '@nestjs/common';
import type { StorageFault } from '../bus/writer/storage-health.js';
import { GroupCommitWriter } from '../bus/writer/group-commit-writer.js';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { Dispatcher } from './dispatcher.js';

export type { StorageFault } from '../bus/writer/storage-health.js';

export interface SubscriptionLag {
  name: string;
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

  constructor(
    private readonly writer: GroupCommitWriter,
    private readonly dispatcher: Dispatcher,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    this.maxLag = options.maxLag;
  }

  /** Why the store cannot be written right now, or null when it can. */
  get storageFault(): StorageFault | null {
    return this.writer.health.current;
  }

  subscriptions(): SubscriptionLag[] {
    const head = this.dispatcher.head.position;
    return this.dispatcher.all.map(({ definition, snapshot }) => {
      const lag = Math.max(0, head - snapshot.position);
      return {
        name: definition.name,
        lag,
        behind: lag > this.maxLag,
        failReadinessOnLag: definition.failReadinessOnLag,
      };
    });
  }
}
