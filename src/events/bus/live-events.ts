import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { StoredEvent } from '../store/stored-event.js';
import { CommitFeed } from './commit-feed.js';

export interface DeadLetteredNotice {
  subscription: string;
  event: StoredEvent;
  attempts: number;
  error: string;
}

/** Names of the system notifications emitted for live listeners (@OnEvent). */
export const SystemEvents = {
  deadLettered: 'subscription.dead_lettered',
  replayCompleted: 'replay.completed',
} as const;

/**
 * Live listeners (@OnEvent from @nestjs/event-emitter) receive every committed domain event under
 * its type, after commit, best effort and never retried, plus system notifications. Durable work
 * belongs in @OnDomainEvent handlers instead.
 */
@Injectable()
export class LiveEvents implements OnModuleInit {
  private readonly logger = new Logger(LiveEvents.name);

  constructor(
    private readonly emitter: EventEmitter2,
    private readonly feed: CommitFeed,
  ) {}

  onModuleInit(): void {
    this.feed.subscribe((events) => {
      for (const event of events) this.emit(event.type, event);
    });
  }

  deadLettered(notice: DeadLetteredNotice): void {
    this.emit(SystemEvents.deadLettered, notice);
  }

  /** A replay finished (completed, failed or cancelled); the payload is the job's report. */
  replayFinished(report: unknown): void {
    this.emit(SystemEvents.replayCompleted, report);
  }

  private emit(name: string, payload: unknown): void {
    try {
      this.emitter.emit(name, payload);
    } catch (error) {
      this.logger.warn(
        `live listener for ${name} failed: ${(error as Error).message}`,
      );
    }
  }
}
