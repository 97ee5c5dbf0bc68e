import {
  LOG_START,
  decodeCursor as decodeClientCursor,
  encodeCursor,
  type ClientCursor,
} from '../store/event-cursor.js';

// A gRPC cursor is the cursor GET /events gives as `next` and GET /events/stream as `id:`
// (store/event-cursor.ts), so any API's cursor resumes the others. Opaque to clients.

export { encodeCursor };

/** A cursor as a call carries it; empty: before the first event. */
export function decodeCursor(cursor: string, field: string): ClientCursor {
  return cursor === '' ? { ...LOG_START } : decodeClientCursor(cursor, field);
}
