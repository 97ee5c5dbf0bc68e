// The shapes of dead letters as the platform and the API see them, apart from the SQL that keeps them.

/** An event a subscription gave up on, parked with the story of its failures. */
export interface DeadLetter {
  id: string;
  subscription: string;
  eventPosition: number;
  eventId: string;
  eventType: string;
  attempts: number;
  firstError: string;
  lastError: string;
  firstFailedAt: string;
  lastFailedAt: string;
  parkedAt: string;
  /**
   * Set for a message that never became an event (parked by the NATS consumer); its
   * `eventPosition` is then the message's stream sequence.
   */
  message?: ParkedMessage;
}

/** A received message as parked: where it came from and (the start of) what it said. */
export interface ParkedMessage {
  subject: string;
  streamSequence: number;
  /** Its size in bytes; only the first MESSAGE_BODY_LIMIT bytes are kept. */
  size: number;
  truncated: boolean;
  /** The kept bytes as UTF-8 text, or null when they are not valid UTF-8 (see bodyBase64). */
  body: string | null;
  bodyBase64: string;
}

/** Bytes of a parked message's body that are kept. */
export const MESSAGE_BODY_LIMIT = 64 * 1024;

export type NewDeadLetter = Omit<DeadLetter, 'id' | 'parkedAt' | 'message'>;

export interface NewParkedMessage {
  subscription: string;
  subject: string;
  streamSequence: number;
  body: Uint8Array;
  /** The CloudEvent's id and type, when the message got that far. */
  eventId: string;
  eventType: string;
  reason: string;
}

export interface DeadLetterFilter {
  subscription?: string;
  type?: string;
  /** Keyset cursor: the id of the last dead letter of the previous page (ids sort by time). */
  after?: string;
  limit: number;
}
