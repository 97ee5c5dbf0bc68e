import { ConcurrencyError } from '../errors/concurrency.error.js';
import type { LogCursor } from './event-cursor.js';
import { parseMetadata, storedEvent } from './event-payload.js';
import type { ExpectedVersion } from './new-event.js';
import type { PreparedEvent } from './prepare-event.js';
import type { StoredEvent } from './stored-event.js';

/** A row to insert; `stored` is filled in once the database has assigned its position. */
export interface PlannedRow {
  event: PreparedEvent;
  streamVersion: number | null;
  stored?: StoredEvent;
}

/**
 * Writes a row's values into `values` from `at`, in the order of EVENT_INSERT_COLUMNS (each
 * engine's insert binds them so); returns the index after them.
 */
export function writeInsertValues(
  values: unknown[],
  at: number,
  { event, streamVersion }: PlannedRow,
  recordedAt: string,
): number {
  values[at++] = event.id;
  values[at++] = event.type;
  values[at++] = event.source;
  values[at++] = event.subject;
  values[at++] = event.datacontenttype;
  values[at++] = event.time;
  values[at++] = event.streamId;
  values[at++] = streamVersion;
  values[at++] = event.correlationId;
  values[at++] = event.causationId;
  values[at++] = event.dataJson;
  values[at++] = event.metadataJson;
  values[at++] = recordedAt;
  return at;
}

type Slot =
  | { kind: 'existing'; event: StoredEvent }
  | { kind: 'new'; row: PlannedRow; duplicate: boolean };

export interface RequestPlan {
  slots: Slot[];
  /** The request's new rows, in order (duplicates within the batch excluded). */
  rows: PlannedRow[];
}

export function identity(event: { id: string; source: string }): string {
  return `${event.source}\u0000${event.id}`;
}

/**
 * Decides, for one request, which events are new, which are duplicates of stored or
 * already-planned events, and which stream versions the new ones take. Shared state
 * (`planned`, `versions`) is only updated when the whole request is accepted. `planned` is
 * null when no event of the batch brings its own id: generated ids are unique, so there is
 * nothing to look up by identity (the common publish, planned without a map per event).
 */
export function planRequest(
  events: PreparedEvent[],
  expectedVersion: ExpectedVersion | undefined,
  existing: Map<string, StoredEvent>,
  planned: Map<string, PlannedRow> | null,
  versions: Map<string, number>,
): RequestPlan {
  const slots: Slot[] = new Array<Slot>(events.length);
  const rows: PlannedRow[] = [];
  const ownRows = planned ? new Map<string, PlannedRow>() : null;
  const nextVersions = new Map<string, number>();

  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const key = ownRows ? identity(event) : '';
    if (event.idGiven && planned && ownRows) {
      const stored = existing.get(key);
      if (stored) {
        slots[i] = { kind: 'existing', event: stored };
        continue;
      }
      const earlier = planned.get(key) ?? ownRows.get(key);
      if (earlier) {
        slots[i] = { kind: 'new', row: earlier, duplicate: true };
        continue;
      }
    }
    let streamVersion: number | null = null;
    if (event.streamId !== null) {
      streamVersion =
        (nextVersions.get(event.streamId) ??
          versions.get(event.streamId) ??
          0) + 1;
      nextVersions.set(event.streamId, streamVersion);
    }
    const row: PlannedRow = { event, streamVersion };
    ownRows?.set(key, row);
    rows.push(row);
    slots[i] = { kind: 'new', row, duplicate: false };
  }

  // A retried request whose events are all stored already is answered, not re-checked.
  if (typeof expectedVersion === 'number' && rows.length > 0) {
    const streamId = events[0].streamId as string;
    const current = versions.get(streamId) ?? 0;
    if (current !== expectedVersion) {
      throw new ConcurrencyError(streamId, expectedVersion, current);
    }
  }
  if (planned && ownRows)
    for (const [key, row] of ownRows) planned.set(key, row);
  for (const [streamId, version] of nextVersions)
    versions.set(streamId, version);
  return { slots, rows };
}

/** What a batch of requests comes to: the rows to insert, then each request's answer. */
export interface AppendPlan {
  /** New rows in insertion order; fill in `stored` as each one gets its position. */
  rows: PlannedRow[];
  /** Each request's outcome, once every row has been stored. */
  outcomes(): RequestOutcome[];
}

export type RequestOutcome =
  | { ok: true; result: { events: StoredEvent[]; created: boolean[] } }
  | { ok: false; error: Error };

/**
 * Plans every request of a batch against what is stored (`existing` by identity, `versions`
 * by stream): a request whose expected version is stale fails alone, the others are accepted
 * whole. EventStore inserts the rows in SQL; the in-memory log of src/events/testing keeps
 * them in an array; both plan here.
 */
export function planAppend(
  requests: { events: PreparedEvent[]; expectedVersion?: ExpectedVersion }[],
  existing: Map<string, StoredEvent>,
  versions: Map<string, number>,
): AppendPlan {
  const anyIdGiven = requests.some((request) =>
    request.events.some((event) => event.idGiven),
  );
  const planned = anyIdGiven ? new Map<string, PlannedRow>() : null;
  const rows: PlannedRow[] = [];
  const plans: (RequestPlan | Error)[] = requests.map((request) => {
    try {
      const plan = planRequest(
        request.events,
        request.expectedVersion,
        existing,
        planned,
        versions,
      );
      for (const row of plan.rows) rows.push(row);
      return plan;
    } catch (error) {
      return error as Error;
    }
  });
  return {
    rows,
    outcomes: () =>
      plans.map((plan) =>
        plan instanceof Error
          ? { ok: false, error: plan }
          : { ok: true, result: collectResult(plan) },
      ),
  };
}

export function collectResult(plan: RequestPlan): {
  events: StoredEvent[];
  created: boolean[];
} {
  const events: StoredEvent[] = [];
  const created: boolean[] = [];
  for (const slot of plan.slots) {
    if (slot.kind === 'existing') {
      events.push(slot.event);
      created.push(false);
    } else {
      events.push(slot.row.stored as StoredEvent);
      created.push(!slot.duplicate);
    }
  }
  return { events, created };
}

/** The stored form of a planned row once the database (or a test double) gave it a position. */
export function toStoredEvent(
  row: PlannedRow,
  { position, txid }: LogCursor,
  recordedAt: string,
): StoredEvent {
  const { event } = row;
  return storedEvent(
    {
      position,
      txid: txid === 0 ? undefined : txid,
      id: event.id,
      type: event.type,
      source: event.source,
      subject: event.subject,
      datacontenttype: event.datacontenttype,
      time: event.time,
      streamId: event.streamId,
      streamVersion: row.streamVersion,
      correlationId: event.correlationId,
      causationId: event.causationId,
      metadata: parseMetadata(event.metadataJson),
      recordedAt,
    },
    event.dataJson,
  );
}
