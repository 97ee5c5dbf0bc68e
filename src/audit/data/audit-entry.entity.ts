import { Column, Entity, PrimaryColumn } from 'typeorm';
import { integerAsText } from '../../database/integer-as-text.transformer.js';

/** One event as the audit log keeps it: who, what, when and why, never the payload. */
@Entity('audit_log')
export class AuditEntry {
  /** The event's position in the store: unique, and the log's order. */
  @PrimaryColumn({ type: 'bigint', transformer: integerAsText })
  position: number;

  @Column({ name: 'event_id', type: 'varchar', length: 255 })
  eventId: string;

  @Column({ type: 'varchar', length: 255 })
  type: string;

  @Column({ type: 'varchar', length: 255 })
  source: string;

  @Column({ name: 'stream_id', type: 'varchar', length: 255, nullable: true })
  streamId: string | null;

  @Column({ name: 'correlation_id', type: 'varchar', length: 255 })
  correlationId: string;

  @Column({
    name: 'causation_id',
    type: 'varchar',
    length: 255,
    nullable: true,
  })
  causationId: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  actor: string | null;

  // No explicit type: TypeORM maps Date to each dialect's datetime column.
  @Column({ name: 'occurred_at' })
  occurredAt: Date;

  @Column({ name: 'audited_at' })
  auditedAt: Date;
}
