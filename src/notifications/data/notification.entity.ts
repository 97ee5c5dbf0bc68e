import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('notifications')
export class Notification {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @Column({ type: 'varchar', length: 20 })
  channel: string;

  @Column({ type: 'varchar', length: 320 })
  recipient: string;

  @Column({ type: 'varchar', length: 200 })
  subject: string;

  @Column({ type: 'text' })
  body: string;

  /** The event that caused this message; unique, so a re-delivery cannot send it twice. */
  @Column({ name: 'event_id', type: 'varchar', length: 255 })
  eventId: string;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;
}
