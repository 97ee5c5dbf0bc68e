import { SetMetadata } from '@nestjs/common';
import type { Transaction } from '../bus/transaction.js';

export const ON_RESET = 'events:on-reset';

/** Clears a subscription's read model; runs in the transaction that rewinds its checkpoint. */
export type ResetHook = (transaction: Transaction) => Promise<void>;

/**
 * Marks the provider method that clears a projection's read model, which lets
 * `POST /events/replay {subscription, reset: true}` rebuild it from the start of the log.
 * The method runs in the same transaction that moves the subscription's checkpoint back to 0,
 * so the projection is never left cleared with its checkpoint still ahead.
 *
 *   @OnReset('analytics.counts')
 *   async clear({ manager }: Transaction) { await manager.delete(DailyEventCount, {}); }
 */
export function OnReset(subscription: string): MethodDecorator {
  return SetMetadata(ON_RESET, subscription);
}
