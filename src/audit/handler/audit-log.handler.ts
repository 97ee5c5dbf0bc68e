import { Injectable } from '@nestjs/common';
import {
  OnDomainEvents,
  type StoredEvent,
  type TransactionalHandlerContext,
} from '../../events/index.js';
import { AuditEntry } from '../data/audit-entry.entity.js';

// Rows per INSERT: 10 columns each stays far below SQLite's and PostgreSQL's parameter limits.
const ROWS_PER_STATEMENT = 500;

/**
 * Records every event ('**'), exactly once: the entries commit with the checkpoint, and an
 * event already recorded (a replay) is skipped. Takes events in batches and writes each batch
 * with one multi-row INSERT, without a query builder per batch.
 */
@Injectable()
export class AuditLogHandler {
  @OnDomainEvents('**', { name: 'audit.log', transactional: true })
  async record(
    events: StoredEvent[],
    { transaction }: TransactionalHandlerContext,
  ): Promise<void> {
    const auditedAt = new Date();
    const { manager } = transaction;
    const columns = manager.connection.getMetadata(AuditEntry).columns;
    const driver = manager.connection.driver;
    for (let start = 0; start < events.length; start += ROWS_PER_STATEMENT) {
      const rows = events
        .slice(start, start + ROWS_PER_STATEMENT)
        .map((event) => toEntry(event, auditedAt));
      // Each value converted as TypeORM would store it (dates, integers as text).
      const values = rows.flatMap((row) =>
        columns.map((column) =>
          driver.preparePersistentValue(column.getEntityValue(row), column),
        ),
      );
      await manager.query(
        insertStatement(
          columns.map((column) => column.databaseName),
          rows.length,
          manager.connection.options.type,
        ),
        values,
      );
    }
  }
}

const statements = new Map<string, string>();

/**
 * One multi-row INSERT of audit entries, written once per row count and dialect: what a
 * hand-written projection would send. A replay hands over events already recorded: ON CONFLICT
 * DO NOTHING keeps the first entry (the same on SQLite and PostgreSQL).
 */
function insertStatement(
  columns: string[],
  rows: number,
  driver: string,
): string {
  const key = `${driver} ${rows}`;
  let sql = statements.get(key);
  if (sql === undefined) {
    let parameter = 0;
    const next = () => (driver === 'postgres' ? `$${++parameter}` : '?');
    const values = Array.from(
      { length: rows },
      () => `(${columns.map(next).join(', ')})`,
    ).join(', ');
    sql = `INSERT INTO audit_log (${columns.join(', ')}) VALUES ${values} ON CONFLICT DO NOTHING`;
    statements.set(key, sql);
  }
  return sql;
}

function toEntry(event: StoredEvent, auditedAt: Date): AuditEntry {
  return {
    position: event.position,
    eventId: event.id,
    type: event.type,
    source: event.source,
    streamId: event.streamId,
    correlationId: event.correlationId,
    causationId: event.causationId,
    actor: event.metadata.actor ?? null,
    occurredAt: new Date(event.time),
    auditedAt,
  };
}
