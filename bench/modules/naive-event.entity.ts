import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * The same columns, keys and indexes as the `events` table, mapped as a plain TypeORM entity,
 * without what only our listing needs (SQLite's partial `time_high_water` index).
 */
@Entity({ name: 'naive_events' })
@Unique('uq_naive_events_id_source', ['id', 'source'])
@Unique('uq_naive_events_stream_version', ['streamId', 'streamVersion'])
@Index('ix_naive_events_type_position', ['type', 'position'])
@Index('ix_naive_events_correlation_position', ['correlationId', 'position'])
@Index('ix_naive_events_time', ['time'])
export class NaiveEvent {
  @PrimaryGeneratedColumn()
  position: number;

  @Column('varchar', { length: 255 })
  id: string;

  @Column('varchar', { length: 255 })
  type: string;

  @Column('varchar', { length: 255 })
  source: string;

  @Column('varchar', { length: 255, nullable: true })
  subject: string | null;

  @Column('varchar', { length: 255 })
  datacontenttype: string;

  @Column('varchar', { length: 32 })
  time: string;

  @Column('varchar', { name: 'stream_id', length: 255, nullable: true })
  streamId: string | null;

  @Column('integer', { name: 'stream_version', nullable: true })
  streamVersion: number | null;

  @Column('varchar', { name: 'correlation_id', length: 255 })
  correlationId: string;

  @Column('varchar', { name: 'causation_id', length: 255, nullable: true })
  causationId: string | null;

  @Column('text', { nullable: true })
  data: string | null;

  @Column('text')
  metadata: string;

  @Column('varchar', { name: 'recorded_at', length: 32 })
  recordedAt: string;
}
