import { Column, Entity, PrimaryColumn } from 'typeorm';
import { integerAsText } from '../../database/integer-as-text.transformer.js';

/** How many events of one type were recorded on one UTC day. */
@Entity('analytics_daily_counts')
export class DailyEventCount {
  /** YYYY-MM-DD (UTC), which sorts and compares as text. */
  @PrimaryColumn({ type: 'varchar', length: 10 })
  day: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  type: string;

  @Column({ type: 'integer', transformer: integerAsText })
  count: number;
}
