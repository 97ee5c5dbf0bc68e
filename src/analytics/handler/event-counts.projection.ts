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
 * Takes events in batches: a run of events costs one statement per distinct (day, type).
 * Rebuildable: `POST /events/replay {"subscription": "analytics.counts", "reset": true}`
 * clears the counts (clear(), below) and recounts the whole log.
 */
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
    for (const { day, type, count } of increments.values()) {
      const { affected } = await transaction.manager
        .createQueryBuilder()
        .update(DailyEventCount)
        .set({ count: () => 'count + :increment' })
        .where('day = :day AND type = :type', { day, type })
        // Text, not a number: see integerAsText.
        .setParameter('increment', String(count))
        .updateEntity(false)
        .execute();
      if (!affected) {
        await transaction.manager.insert(DailyEventCount, { day, type, count });
      }
    }
  }

  @OnReset('analytics.counts')
  async clear({ manager }: Transaction): Promise<void> {
    await manager.createQueryBuilder().delete().from(DailyEventCount).execute();
  }
}
