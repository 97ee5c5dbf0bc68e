import { Injectable } from '@nestjs/common';
import {
  OnDomainEvents,
  OnReset,
  type StoredEvent,
  type Transaction,
  type TransactionalHandlerContext,
} from '../../events/index.js';
import { DailyEventCount } from '../data/daily-event-count.entity.js';

/**
 * Counts every event by type and day. Transactional: the increments commit with the
 * subscription's checkpoint, so a crash or a re-delivery can never count an event twice.
 * Takes events in batches: a batch costs one upsert statement (per 300 distinct day and type),
 * what a hand-written projection would write.
 * Rebuildable: `POST /events/replay {"subscription": "analytics.counts", "reset": true}`
 * clears the counts (clear(), below) and recounts the whole log.
 */
// Rows per upsert: 3 parameters each stays far below SQLite's and PostgreSQL's limits.
const ROWS_PER_STATEMENT = 300;

/** Adds each row's count to the stored one, or stores it: the same SQL on SQLite and PostgreSQL. */
function upsertStatement(rows: number, driver: string): string {
  let parameter = 0;
  const next = () => (driver === 'postgres' ? `$${++parameter}` : '?');
  const values = Array.from(
    { length: rows },
    () => `(${next()}, ${next()}, ${next()})`,
  ).join(', ');
  return (
    `INSERT INTO analytics_daily_counts (day, type, count) VALUES ${values} ` +
    'ON CONFLICT (day, type) DO UPDATE SET count = analytics_daily_counts.count + excluded.count'
  );
}

@Injectable()
export class EventCountsProjection {
  @OnDomainEvents('**', { name: 'analytics.counts', transactional: true })
  async count(
    events: StoredEvent[],
    { transaction }: TransactionalHandlerContext,
  ): Promise<void> {
    const increments = new Map<string, DailyEventCount>();
    for (const event of events) {
      const day = event.time.slice(0, 10);
      const key = `${day} ${event.type}`;
      const entry = increments.get(key);
      if (entry) entry.count++;
      else increments.set(key, { day, type: event.type, count: 1 });
    }
    const rows = [...increments.values()];
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
      await transaction.manager.query(
        upsertStatement(
          chunk.length,
          transaction.manager.connection.options.type,
        ),
        // Text, not a number: see integerAsText.
        chunk.flatMap(({ day, type, count }) => [day, type, String(count)]),
      );
    }
  }

  @OnReset('analytics.counts')
  async clear({ manager }: Transaction): Promise<void> {
    await manager.createQueryBuilder().delete().from(DailyEventCount).execute();
  }
}
