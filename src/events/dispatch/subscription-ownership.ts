import { Logger } from '@nestjs/common';
import type { LeaseStore } from '../store/lease-store.js';
import { subscriptionLease } from '../store/subscription-store.js';

/** What the dispatcher lets ownership do. */
export interface OwnershipHooks {
  /** Subscriptions this instance could run. */
  wanted(): string[];
  /** Subscriptions running here. */
  running(): string[];
  /** The lease is ours: load the checkpoint and start the runner. */
  start(name: string): Promise<void>;
  /** Stop the runner (lease lost, or handed to another instance). */
  stop(name: string): Promise<void>;
}

export const INSTANCE_LEASE_PREFIX = 'instance:';

/**
 * PostgreSQL, several instances: each subscription runs on the one instance holding its lease
 * (see LeaseStore). Every third of the lease term this instance renews what it holds (a
 * runner whose lease was lost stops: its checkpoint saves are fenced anyway), takes free and
 * expired leases up to its share (the subscriptions divided by the live instances), any still
 * free one a tick later whatever its share, and hands one over while it runs two or more than
 * another live instance, so a newcomer gets its share and the spread never flaps.
 */
export class SubscriptionOwnership {
  private readonly logger = new Logger('SubscriptionOwnership');
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private freeBefore = new Set<string>();

  constructor(
    private readonly leases: LeaseStore,
    readonly instanceId: string,
    private readonly ttlMs: number,
    private readonly hooks: OwnershipHooks,
  ) {}

  start(): Promise<void> {
    this.timer = setInterval(() => void this.tick(), Math.ceil(this.ttlMs / 3));
    this.timer.unref();
    return this.tick();
  }

  /** Stops balancing; the caller stops the runners, then calls releaseAll(). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
  }

  /** Hands every lease back at once, so other instances need not wait for them to expire. */
  async releaseAll(): Promise<void> {
    for (const lease of await this.leases.list())
      if (lease.owner === this.instanceId)
        await this.leases.release(lease.name, this.instanceId);
  }

  /** Gives a subscription's lease back (it stopped running here). */
  async release(name: string): Promise<void> {
    await this.leases.release(subscriptionLease(name), this.instanceId);
  }

  /** The wanted subscriptions changed: balance now. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.ticking) {
      this.again = true;
      return this.ticking;
    }
    this.ticking = this.loop().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.balance();
      } catch (error) {
        this.logger.warn(
          `could not renew or balance leases: ${(error as Error).message}`,
        );
      }
    } while (this.again && !this.stopped);
  }

  private async balance(): Promise<void> {
    const me = this.instanceId;
    await this.leases.acquire(INSTANCE_LEASE_PREFIX + me, me, this.ttlMs);
    const held = await this.leases.renew(me, this.ttlMs);
    for (const name of this.hooks.running()) {
      if (held.has(subscriptionLease(name))) continue;
      this.logger.warn(`${name}: lease lost to another instance, stopping`);
      await this.hooks.stop(name);
    }
    const live = (await this.leases.list()).filter((lease) => lease.live);
    const instances = new Set(
      live
        .filter((lease) => lease.name.startsWith(INSTANCE_LEASE_PREFIX))
        .map((lease) => lease.owner),
    );
    instances.add(me);
    const wanted = this.hooks.wanted();
    const owners = new Map(live.map((lease) => [lease.name, lease.owner]));
    const share = Math.ceil(wanted.length / instances.size);
    let count = this.hooks.running().length;

    const free = wanted.filter((name) => !owners.has(subscriptionLease(name)));
    for (const name of free) {
      if (this.stopped) return;
      if (count >= share && !this.freeBefore.has(name)) continue;
      if (!(await this.leases.acquire(subscriptionLease(name), me, this.ttlMs)))
        continue;
      try {
        await this.hooks.start(name);
        count++;
      } catch (error) {
        await this.leases.release(subscriptionLease(name), me);
        throw error;
      }
    }
    this.freeBefore = new Set(free);

    const counts = new Map([...instances].map((owner) => [owner, 0]));
    for (const name of wanted) {
      const owner = owners.get(subscriptionLease(name));
      if (owner !== undefined && counts.has(owner))
        counts.set(owner, (counts.get(owner) as number) + 1);
    }
    const running = this.hooks.running();
    counts.set(me, running.length);
    const fewest = Math.min(...counts.values());
    if (running.length >= fewest + 2 && !this.stopped) {
      const name = running[running.length - 1];
      this.logger.log(`${name}: handed over to spread subscriptions`);
      await this.hooks.stop(name);
      await this.leases.release(subscriptionLease(name), me);
    }
  }
}
