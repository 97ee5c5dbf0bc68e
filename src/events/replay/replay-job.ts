import { uuidv7 } from '../../common/ids/uuid-v7.js';

export type ReplayState = 'running' | 'completed' | 'failed' | 'cancelled';

/** What a replay selects; positions and times as the request gave them. */
export interface ReplaySelection {
  fromPosition?: number;
  toPosition: number;
  since?: string;
  until?: string;
  types?: string[];
  aggregateId?: string;
}

export interface ReplayError {
  position: number;
  eventId: string;
  type: string;
  attempts: number;
  error: string;
}

// A replay over a badly broken handler must not hold a million errors in memory.
const KEPT_ERRORS = 20;

/**
 * One replay's progress, as GET /events/replay/:id shows it. `range` re-delivers a selection
 * beside live dispatch; `reset` clears the read model and lets the subscription rebuild.
 */
export class ReplayJob {
  readonly id = uuidv7();
  readonly startedAt = new Date();
  state: ReplayState = 'running';
  private delivered = 0;
  private failures = 0;
  private tracker: (() => { done: number; failed: number }) | undefined;
  finishedAt: Date | null = null;
  /** Why a job failed or was cancelled. */
  reason: string | null = null;
  readonly errors: ReplayError[] = [];
  private cancelRequested = false;
  private readonly settled: Promise<ReplayJob>;
  private settle!: (job: ReplayJob) => void;

  constructor(
    readonly subscription: string,
    readonly mode: 'range' | 'reset',
    readonly selection: ReplaySelection,
    readonly total: number,
  ) {
    this.settled = new Promise((resolve) => (this.settle = resolve));
  }

  get cancelled(): boolean {
    return this.cancelRequested;
  }

  get finished(): boolean {
    return this.state !== 'running';
  }

  /** Resolves with the job once it completed, failed or was cancelled. */
  whenFinished(): Promise<ReplayJob> {
    return this.settled;
  }

  requestCancel(): void {
    this.cancelRequested = true;
  }

  get done(): number {
    return this.tracker
      ? Math.min(this.total, this.tracker().done)
      : this.delivered;
  }

  get failed(): number {
    return this.tracker ? this.tracker().failed : this.failures;
  }

  /** For a reset: progress is read off the rebuilding subscription's counters. */
  trackWith(tracker: () => { done: number; failed: number }): void {
    this.tracker = tracker;
  }

  recordDelivered(count: number): void {
    this.delivered += count;
  }

  recordError(error: ReplayError): void {
    this.failures++;
    if (this.errors.length < KEPT_ERRORS) this.errors.push(error);
  }

  finish(state: Exclude<ReplayState, 'running'>, reason?: string): void {
    if (this.finished) return;
    if (this.tracker) {
      const final = { done: this.done, failed: this.failed };
      this.tracker = () => final;
    }
    this.state = state;
    this.reason = reason ?? null;
    this.finishedAt = new Date();
    this.settle(this);
  }

  get eventsPerSecond(): number {
    const end = this.finishedAt?.getTime() ?? Date.now();
    const seconds = (end - this.startedAt.getTime()) / 1000;
    return seconds > 0 ? Math.round(this.done / seconds) : 0;
  }

  toJSON() {
    return {
      id: this.id,
      subscription: this.subscription,
      mode: this.mode,
      state: this.state,
      reason: this.reason,
      selection: this.selection,
      progress: {
        done: this.done,
        total: this.total,
        failed: this.failed,
        eventsPerSecond: this.eventsPerSecond,
      },
      errors: this.errors,
      startedAt: this.startedAt.toISOString(),
      finishedAt: this.finishedAt?.toISOString() ?? null,
    };
  }
}
