import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { integerAsText } from '../../database/integer-as-text.transformer.js';

@Entity('users')
export class User {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** Stored trimmed and lower-cased; unique. */
  @Column({ type: 'varchar', length: 320 })
  email: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** The version of the user's event stream this row reflects. */
  @Column({ type: 'integer', transformer: integerAsText })
  version: number;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt: Date;
}

export const USER_STREAM_PREFIX = 'user-';

/** The event stream that records a user's history. */
export function userStreamId(userId: string): string {
  return `${USER_STREAM_PREFIX}${userId}`;
}
