import {
  identity,
  planAppend,
  toStoredEvent,
  type RequestOutcome,
} from '../store/append-plan.js';
import type { AppendRequest } from '../store/event-store.js';
import type { StoredEvent } from '../store/stored-event.js';
import type { StreamStore } from '../sourcing/event-streams.js';

/**
 * The event log in memory, for unit tests. Appends are planned by the same code as the
 * EventStore's (planAppend: idempotent ids, stream versions, expected versions); streams read
 * as EventStore.readStream reads them, so EventStreams works over it unchanged.
 */
export class InMemoryEventLog implements StreamStore {
  private recorded: StoredEvent[] = [];
  private versions = new Map<string, number>();
  /** Positions come from a sequence: one taken by an event rolled back is not reused. */
  private lastPosition = 0;

  /** Every event stored so far, in log order. */
  get events(): readonly StoredEvent[] {
    return this.recorded;
  }

  /** Appends what can be appended and answers each request, as EventStore.append does. */
  append(requests: AppendRequest[]): RequestOutcome[] {
    const existing = new Map(
      this.recorded.map((event) => [identity(event), event]),
    );
    const versions = new Map(this.versions);
    const plan = planAppend(requests, existing, versions);
    const recordedAt = new Date().toISOString();
    for (const row of plan.rows) {
      row.stored = toStoredEvent(
        row,
        { txid: 0, position: ++this.lastPosition },
        recordedAt,
      );
      this.recorded.push(row.stored);
    }
    this.versions = versions;
    return plan.outcomes();
  }

  readStream(
    streamId: string,
    {
      fromVersion = 1,
      toVersion = Infinity,
      limit = 1000,
    }: { fromVersion?: number; toVersion?: number; limit?: number } = {},
  ): Promise<StoredEvent[]> {
    const events = this.recorded.filter(
      (event) =>
        event.streamId === streamId &&
        (event.streamVersion ?? 0) >= fromVersion &&
        (event.streamVersion ?? 0) <= toVersion,
    );
    return Promise.resolve(events.slice(0, limit));
  }

  streamVersion(streamId: string): Promise<number> {
    return Promise.resolve(this.versions.get(streamId) ?? 0);
  }

  /** Takes back what a failed unit of work appended; others' events stay. */
  discard(events: readonly StoredEvent[]): void {
    const discarded = new Set(events);
    this.recorded = this.recorded.filter((event) => !discarded.has(event));
    this.versions = new Map();
    for (const { streamId, streamVersion } of this.recorded) {
      if (streamId !== null && streamVersion !== null)
        this.versions.set(streamId, streamVersion);
    }
  }

  clear(): void {
    this.discard(this.recorded);
  }
}
