import { Injectable } from '@nestjs/common';
import { DeliveryBarrier } from './delivery-barrier.js';
import { eventContext } from './event-context.js';
import { EventWriter } from './event-writer.js';
import type { BufferPolicy } from './writer/group-commit-writer.js';
import type { Transaction } from './transaction.js';

/**
 * Runs domain writes and the events they cause in one transaction: the event store is the
 * outbox. Resolves after COMMIT, with whatever `work` returned; rejects (with nothing written)
 * if `work` throws.
 *
 *   await uow.run(async (tx) => {
 *     await tx.manager.insert(User, user);
 *     await tx.append(new UserRegistered(...), { streamId: `user-${user.id}`, expectedVersion: 0 });
 *   });
 *
 * Keep `work` to database calls: it runs while the writer holds the transaction open.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    private readonly writer: EventWriter,
    private readonly delivery: DeliveryBarrier,
  ) {}

  /**
   * `whenFull`: what to do when event.bus.buffer_size events already wait for commit; by default
   * 'reject' (BufferFullError, HTTP 503) while serving an HTTP request, 'wait' otherwise.
   */
  async run<T>(
    work: (tx: Transaction) => Promise<T>,
    whenFull?: BufferPolicy,
  ): Promise<T> {
    const context = eventContext.current();
    const inHandler = context?.inHandler === true;
    // The writer runs the work in this caller's context, captured as it is queued.
    const { value, events } = await this.writer.runUnit(work, {
      whenFull: whenFull ?? (context?.refuseWhenFull ? 'reject' : 'wait'),
      duringShutdown: inHandler,
    });
    if (!inHandler) await this.delivery.afterCommit(events);
    return value;
  }
}
