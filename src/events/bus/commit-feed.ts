import { Injectable, Logger } from '@nestjs/common';
import type { StoredEvent } from '../store/stored-event.js';

export type CommitListener = (events: readonly StoredEvent[]) => void;
export type UncertaintyListener = () => void;

/**
 * Tells in-process readers (dispatcher tail, live listeners) about events right after their
 * transaction committed, in commit order. Listeners run synchronously and must be quick.
 */
@Injectable()
export class CommitFeed {
  private readonly logger = new Logger(CommitFeed.name);
  private readonly listeners = new Set<CommitListener>();
  private readonly uncertaintyListeners = new Set<UncertaintyListener>();

  subscribe(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Called after a COMMIT failed: the group's events may have reached the disk all the same
   * (an fsync error after the write), so a view built from this feed alone may miss them.
   */
  onUncertain(listener: UncertaintyListener): () => void {
    this.uncertaintyListeners.add(listener);
    return () => this.uncertaintyListeners.delete(listener);
  }

  publishUncertain(): void {
    for (const listener of this.uncertaintyListeners) listener();
  }

  publish(events: readonly StoredEvent[]): void {
    if (events.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(events);
      } catch (error) {
        // The events are committed whatever a listener does; a faulty listener only loses its own view.
        this.logger.error(
          `commit listener failed: ${(error as Error).message}`,
          (error as Error).stack,
        );
      }
    }
  }
}
