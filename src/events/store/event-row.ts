import {
  parseMetadata,
  storedEvent,
  type StoredEventFields,
} from './event-payload.js';
import type { SqlDialect } from './sql-dialect.js';
import type { StoredEvent } from './stored-event.js';

/** Columns in insert order; shared by the INSERT statement and the row builder. */
export const EVENT_INSERT_COLUMNS = [
  'id',
  'type',
  'source',
  'subject',
  'datacontenttype',
  'time',
  'stream_id',
  'stream_version',
  'correlation_id',
  'causation_id',
  'data',
  'metadata',
  'recorded_at',
] as const;

const COLUMNS = `position, ${EVENT_INSERT_COLUMNS.join(', ')}`;

/** Every column a StoredEvent is built from; the transaction id where there is one. */
export function eventSelectColumns(dialect: SqlDialect): string {
  return COLUMNS + dialect.txidColumn;
}

export interface EventRow {
  position: number | string;
  /** PostgreSQL only (see SqlDialect.txidColumn). */
  txid?: string;
  id: string;
  type: string;
  source: string;
  subject: string | null;
  datacontenttype: string;
  time: string | Date;
  stream_id: string | null;
  stream_version: number | string | null;
  correlation_id: string;
  causation_id: string | null;
  data: string | null;
  metadata: string;
  recorded_at: string | Date;
}

/**
 * An EventRow from the values of eventSelectColumns in their order (a row read as an array,
 * see SqliteRows); SQLite has no transaction id column.
 */
export function eventRowOf(values: unknown[]): EventRow {
  return {
    position: values[0] as number,
    id: values[1] as string,
    type: values[2] as string,
    source: values[3] as string,
    subject: values[4] as string | null,
    datacontenttype: values[5] as string,
    time: values[6] as string,
    stream_id: values[7] as string | null,
    stream_version: values[8] as number | null,
    correlation_id: values[9] as string,
    causation_id: values[10] as string | null,
    data: values[11] as string | null,
    metadata: values[12] as string,
    recorded_at: values[13] as string,
  };
}

export function eventFromRow(row: EventRow, dialect: SqlDialect): StoredEvent {
  return storedEvent(eventFieldsFromRow(row, dialect), row.data);
}

/** Every field of the row's event but its payload. */
export function eventFieldsFromRow(
  row: EventRow,
  dialect: SqlDialect,
): StoredEventFields {
  return {
    position: dialect.toNumber(row.position),
    txid: row.txid === undefined ? undefined : dialect.toNumber(row.txid),
    id: row.id,
    type: row.type,
    source: row.source,
    subject: row.subject,
    datacontenttype: row.datacontenttype,
    time: dialect.toIso(row.time),
    streamId: row.stream_id,
    streamVersion:
      row.stream_version === null ? null : dialect.toNumber(row.stream_version),
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    metadata: parseMetadata(row.metadata),
    recordedAt: dialect.toIso(row.recorded_at),
  };
}
