import { Injectable } from '@nestjs/common';
import type { Principal } from '../../security/index.js';
import { eventContext } from '../bus/event-context.js';
import type { Transaction } from '../bus/transaction.js';
import { GroupCommitWriter } from '../bus/writer/group-commit-writer.js';
import { DeliveryBarrier } from '../bus/delivery-barrier.js';
import { PublishPolicy } from '../bus/publish-policy.js';
import type { AppendResult } from '../store/event-store.js';
import type { StoredEvent } from '../store/stored-event.js';
import type { IncomingCloudEvent } from './incoming-cloud-event.js';

/**
 * Appends received CloudEvents in one transaction: a batch is stored whole or not at all,
 * and only when the publisher may write every one of its events (PublishPolicy).
 * Events that carry their own correlationid / causationid keep them; consecutive events with
 * the same pair are appended together, so a plain batch is one chain like any other.
 */
@Injectable()
export class CloudEventIngress {
  constructor(
    private readonly writer: GroupCommitWriter,
    private readonly delivery: DeliveryBarrier,
    private readonly policy: PublishPolicy,
  ) {}

  async append(
    incoming: IncomingCloudEvent[],
    publisher: Principal,
  ): Promise<AppendResult> {
    this.policy.admit(incoming, publisher);
    if (incoming.length === 0) return { events: [], created: [] };
    const groups = groupByCausality(incoming);
    const context = eventContext.current();
    const { value: events, events: appended } = await this.writer.runUnit(
      (tx) => appendGroups(tx, groups),
      {
        whenFull: context?.refuseWhenFull ? 'reject' : 'wait',
        // Each event of a batch takes its place in the buffer, and the batch cap applies.
        weight: incoming.length,
      },
    );
    // The unit reports the events it created; a repeated source + id returns the stored one.
    const fresh = new Set(appended.map((event) => event.position));
    const created = events.map((event) => fresh.delete(event.position));
    await this.delivery.afterCommit(appended);
    return { events, created };
  }
}

async function appendGroups(
  tx: Transaction,
  groups: CausalityGroup[],
): Promise<StoredEvent[]> {
  const stored: StoredEvent[] = [];
  for (const group of groups) {
    const list = group.events.map((item) => item.event);
    stored.push(
      ...(await tx.append(list.length === 1 ? list[0] : list, {
        correlationId: group.correlationId,
        causationId: group.causationId,
      })),
    );
  }
  return stored;
}

interface CausalityGroup {
  correlationId?: string;
  causationId?: string;
  events: IncomingCloudEvent[];
}

function groupByCausality(incoming: IncomingCloudEvent[]): CausalityGroup[] {
  const groups: CausalityGroup[] = [];
  for (const item of incoming) {
    const last = groups[groups.length - 1];
    if (
      last &&
      last.correlationId === item.correlationId &&
      last.causationId === item.causationId
    ) {
      last.events.push(item);
    } else {
      groups.push({
        correlationId: item.correlationId,
        causationId: item.causationId,
        events: [item],
      });
    }
  }
  return groups;
}
