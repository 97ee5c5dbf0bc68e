/** Scalar values a CloudEvents extension attribute may hold. */
export type ExtensionValue = string | number | boolean;

export interface EventMetadata {
  /** Who caused the event (user id, service name), when known. */
  actor?: string;
  /** W3C trace context of the publishing request. */
  traceparent?: string;
  /** CloudEvents extension attributes beyond the ones this store defines. */
  extensions?: Record<string, ExtensionValue>;
  /** CloudEvents `dataschema`: URI of the schema data adheres to. */
  dataschema?: string;
  /** Set when data holds base64 text of a non-JSON payload. */
  dataBase64?: boolean;
  /**
   * The transport an integration event arrived through (`nats`); the relay never sends such
   * an event back. Not inherited by what handlers publish in reaction to it.
   */
  receivedVia?: string;
}

/**
 * An event as committed to the log. Positions are global and strictly increasing; readers
 * use them as cursors. `streamId`/`streamVersion` place the event in its aggregate's history.
 */
export interface StoredEvent<T = unknown> {
  position: number;
  /**
   * PostgreSQL: the id of the transaction that wrote it, which orders the log together with
   * `position` (see event-cursor.ts). Absent on SQLite, where the position alone orders it.
   */
  txid?: number;
  id: string;
  type: string;
  source: string;
  subject: string | null;
  datacontenttype: string;
  /** When it happened (ISO-8601 UTC), as the publisher said or the commit time. */
  time: string;
  streamId: string | null;
  streamVersion: number | null;
  /** Shared by every event of one chain (request, saga); the first event's id when none was given. */
  correlationId: string;
  /** The id of the event whose handler published this one. */
  causationId: string | null;
  data: T;
  metadata: EventMetadata;
  /** When the store committed it (ISO-8601 UTC). */
  recordedAt: string;
}
