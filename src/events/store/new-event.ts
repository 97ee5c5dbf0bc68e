import type { ExtensionValue } from './stored-event.js';

/** What a publisher hands to the bus; the store fills in the rest. */
export interface NewEvent<T = unknown> {
  type: string;
  data?: T;
  /** Supply one to make publishing idempotent: the same source + id again returns the stored event. */
  id?: string;
  source?: string;
  subject?: string;
  time?: string | Date;
  datacontenttype?: string;
  /** The aggregate this event belongs to, e.g. `user-<uuid>`; overrides AppendOptions.streamId. */
  streamId?: string;
  dataschema?: string;
  extensions?: Record<string, ExtensionValue>;
  actor?: string;
  dataBase64?: boolean;
  /** Set by inbound transports (the NATS consumer): see EventMetadata.receivedVia. */
  receivedVia?: string;
}

/**
 * Optimistic concurrency: a number is the stream's version before this append (0 = the stream
 * must not exist yet); 'any' skips the check.
 */
export type ExpectedVersion = number | 'any';

export interface AppendOptions {
  /** Stream for events that do not name their own. */
  streamId?: string;
  expectedVersion?: ExpectedVersion;
  /** Overrides the ambient correlation id (request header, handled event). */
  correlationId?: string;
  causationId?: string | null;
}
