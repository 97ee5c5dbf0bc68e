export type BufferPolicy = 'wait' | 'reject';

/** How the writer treats one request: its weight, its time limit, and what to do when full. */
export interface SubmitOptions {
  /** When buffer_size events already wait: 'wait' (default) for room, or 'reject' with BufferFullError. */
  whenFull?: BufferPolicy;
  /**
   * Work the shutdown itself needs (checkpoints, dead letters, publishes of handlers finishing
   * their event) is accepted until the writer is closed; other work stops at stopAccepting().
   */
  duringShutdown?: boolean;
  /** How long a unit may run before it is rolled back; null: no limit. Default event.handlers.timeout. */
  timeoutMs?: number | null;
  /** Events the unit will append at most, counted against buffer_size and max_batch (default 1). */
  weight?: number;
}
