import type { CloudEvent } from './http.js';
import type { ResolvedRequest } from './fuzz-known.js';
import type { TestResponse } from './test-app.js';

interface UserWrites {
  registered: number;
  updated: number;
  deleted: number;
}

/** Module writes whose events have no causation: they start a chain. */
const ROOT_TYPES = new Set([
  'user.registered',
  'user.updated',
  'user.deleted',
  'order.placed',
]);

const key = (source: string, id: string) => `${source}\u0000${id}`;

/**
 * What the application acknowledged and refused, and the census that checks the event store
 * against it: every acknowledged event stored once, no refused one stored, every other event
 * caused by a stored one or started by an acknowledged module write.
 */
export class Ledger {
  private readonly acknowledged = new Map<
    string,
    { source: string; id: string }
  >();
  private readonly acknowledgedIds = new Set<string>();
  private readonly refusedIds = new Set<string>();
  private readonly users = new Map<string, UserWrites>();
  private readonly orders = new Set<string>();

  get acknowledgedEvents(): { source: string; id: string }[] {
    return [...this.acknowledged.values()];
  }

  record(request: ResolvedRequest, response: TestResponse): void {
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    switch (request.route) {
      case 'POST /events':
        if (ok) {
          const body = response.json<CloudEvent | CloudEvent[]>();
          for (const event of Array.isArray(body) ? body : [body]) {
            this.acknowledged.set(key(event.source, event.id), event);
            this.acknowledgedIds.add(event.id);
          }
        } else {
          for (const id of request.mintedEventIds) this.refusedIds.add(id);
        }
        return;
      case 'POST /users':
        if (response.statusCode === 201)
          this.user(response.json<{ id: string }>().id).registered++;
        return;
      case 'PATCH /users/:id':
        if (response.statusCode === 200)
          this.user(response.json<{ id: string }>().id).updated++;
        return;
      case 'DELETE /users/:id':
        if (response.statusCode === 204) this.user(request.params[0]).deleted++;
        return;
      case 'POST /orders':
        if (response.statusCode === 202)
          this.orders.add(response.json<{ id: string }>().id);
        return;
    }
  }

  /** Every way the stored events contradict what was answered; empty when none. */
  census(stored: CloudEvent[]): string[] {
    const problems: string[] = [];
    const copies = new Map<string, number>();
    const storedIds = new Set<string>();
    for (const event of stored) {
      const k = key(event.source, event.id);
      copies.set(k, (copies.get(k) ?? 0) + 1);
      storedIds.add(event.id);
    }

    for (const { source, id } of this.acknowledged.values()) {
      const count = copies.get(key(source, id)) ?? 0;
      if (count !== 1)
        problems.push(
          `acknowledged event ${JSON.stringify({ source, id })} is stored ${count} times`,
        );
    }
    for (const id of this.refusedIds) {
      if (!this.acknowledgedIds.has(id) && storedIds.has(id))
        problems.push(`event ${id} was refused, yet it is stored`);
    }

    const roots = new Map<string, number>();
    for (const event of stored) {
      if (this.acknowledged.has(key(event.source, event.id))) continue;
      if (event.causationid !== undefined && event.causationid !== null) {
        if (!storedIds.has(event.causationid))
          problems.push(
            `${describe(event)} names causation ${event.causationid}, which is not stored`,
          );
        continue;
      }
      if (!ROOT_TYPES.has(event.type) || !this.explains(event)) {
        problems.push(
          `${describe(event)} has no causation and no acknowledged write made it`,
        );
        continue;
      }
      const root = `${event.type} ${event.streamid}`;
      roots.set(root, (roots.get(root) ?? 0) + 1);
    }

    for (const [userId, writes] of this.users) {
      const stream = `user-${userId}`;
      const counts = {
        registered: roots.get(`user.registered ${stream}`) ?? 0,
        updated: roots.get(`user.updated ${stream}`) ?? 0,
        deleted: roots.get(`user.deleted ${stream}`) ?? 0,
      };
      if (counts.registered !== writes.registered)
        problems.push(
          `user ${userId}: ${writes.registered} registrations acknowledged, ${counts.registered} user.registered stored`,
        );
      if (counts.updated > writes.updated || counts.deleted > writes.deleted)
        problems.push(
          `user ${userId}: ${writes.updated} updates and ${writes.deleted} deletes acknowledged, ` +
            `${counts.updated} user.updated and ${counts.deleted} user.deleted stored`,
        );
    }
    for (const orderId of this.orders) {
      const count = roots.get(`order.placed order-${orderId}`) ?? 0;
      if (count !== 1)
        problems.push(
          `order ${orderId} was acknowledged; order.placed is stored ${count} times`,
        );
    }
    return problems;
  }

  private user(id: string): UserWrites {
    let writes = this.users.get(id);
    if (!writes) {
      writes = { registered: 0, updated: 0, deleted: 0 };
      this.users.set(id, writes);
    }
    return writes;
  }

  /** A root event belongs to a user or an order the application said it wrote. */
  private explains(event: CloudEvent): boolean {
    const stream = event.streamid ?? '';
    if (event.type === 'order.placed')
      return this.orders.has(stream.replace(/^order-/, ''));
    const writes = this.users.get(stream.replace(/^user-/, ''));
    if (!writes) return false;
    if (event.type === 'user.registered') return writes.registered > 0;
    if (event.type === 'user.updated') return writes.updated > 0;
    return writes.deleted > 0;
  }
}

function describe(event: CloudEvent): string {
  return `stored event ${JSON.stringify({
    id: event.id,
    source: event.source,
    type: event.type,
    position: event.position,
  })}`;
}
