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
 * with one multi-row INSERT.
 */
@Injectable()
export class AuditLogHandler {
  @OnDomainEvents('**', { name: 'audit.log', transactional: true })
  async record(
    events: StoredEvent[],
    { transaction }: TransactionalHandlerContext,
  ): Promise<void> {
    const auditedAt = new Date();
    for (let start = 0; start < events.length; start += ROWS_PER_STATEMENT) {
      const rows = events
        .slice(start, start + ROWS_PER_STATEMENT)
        .map((event) => toEntry(event, auditedAt));
      await transaction.manager
        .createQueryBuilder()
        .insert()
        .into(AuditEntry)
        .values(rows)
        // A replay hands over events already recorded: keep the first entry.
        .orIgnore()
        .updateEntity(false)
        .execute();
    }
  }
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
