import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CommitFeed } from './commit-feed.js';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';

/** Reports every commit group to the application's telemetry, right after it committed. */
@Injectable()
export class CommitTelemetry implements OnModuleInit {
  constructor(
    private readonly feed: CommitFeed,
    @Inject(EVENTS_OPTIONS) private readonly options: EventsOptions,
  ) {}

  onModuleInit(): void {
    const { telemetry } = this.options;
    if (telemetry) this.feed.subscribe((events) => telemetry.committed(events));
  }
}
