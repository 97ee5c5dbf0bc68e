import { eventContext } from '../event-context.js';
import type { Queued } from './queued-work.js';

// One group never grows past this many events, so one commit stays short under a flood.
const MAX_GROUP_WEIGHT = 5_000;

/** Commits or refuses a group, settling every item in it. */
export type CommitGroup = (group: Queued[]) => Promise<void>;

/**
 * The group loop. Work waits here while a commit is in flight; when it ends, everything that
 * arrived meanwhile becomes the next group. A single drain runs at a time, so groups never
 * overlap on the writer's connection and each costs one transaction and one sync to disk.
 */
export class CommitQueue {
  private queue: Queued[] = [];
  private draining: Promise<void> | null = null;

  /**
   * @param commitGroup commits one group and settles its callers
   * @param settled told each group's weight once the group is settled, to free buffer room
   */
  constructor(
    private readonly commitGroup: CommitGroup,
    private readonly settled: (weight: number) => void,
  ) {}

  enqueue(item: Queued): void {
    this.queue.push(item);
    // The drain outlives the caller that happens to start it: it must not run in that caller's
    // async context (its log lines and, worse, every unit's events would carry its ids).
    if (!this.draining)
      this.draining = eventContext.detached(() => this.drain());
  }

  /** Resolves once the queue is empty, including work queued while waiting. */
  async whenIdle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    // Yield once so that requests arriving in the same tick share the first commit.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const group = this.takeGroup();
      await this.commitGroup(group);
      this.settled(group.reduce((sum, item) => sum + item.weight, 0));
    }
    this.draining = null;
  }

  private takeGroup(): Queued[] {
    let weight = 0;
    let count = 0;
    while (
      count < this.queue.length &&
      (count === 0 || weight + this.queue[count].weight <= MAX_GROUP_WEIGHT)
    ) {
      weight += this.queue[count].weight;
      count++;
    }
    return this.queue.splice(0, count);
  }
}
