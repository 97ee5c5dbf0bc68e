import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { LeaseStore } from '../store/lease-store.js';
import { SubscriptionStore } from '../store/subscription-store.js';

/** A job's lease, renewed until released. */
export interface HeldJob {
  release(): Promise<void>;
}

/**
 * Work that must run on one instance at a time (retention, saga sweeps, a replay per
 * subscription). On PostgreSQL a job holds a lease named after it, renewed every third of the
 * lease term while it runs; an instance that finds it held skips or refuses. On SQLite the one
 * process is alone anyway.
 */
@Injectable()
export class ClusterJobs {
  private readonly logger = new Logger(ClusterJobs.name);
  private readonly clustered: boolean;
  private readonly instanceId: string;
  private readonly ttlMs: number;

  constructor(
    private readonly leases: LeaseStore,
    subscriptions: SubscriptionStore,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    this.clustered = subscriptions.dialect.kind === 'postgres';
    this.instanceId = options.cluster.instanceId;
    this.ttlMs = options.cluster.leaseTtlMs;
  }

  /** Takes the job's lease; null when another instance holds it. */
  async tryHold(name: string): Promise<HeldJob | null> {
    if (!this.clustered) return { release: () => Promise.resolve() };
    const me = this.instanceId;
    if (!(await this.leases.acquire(name, me, this.ttlMs))) return null;
    const timer = setInterval(
      () => {
        this.leases.acquire(name, me, this.ttlMs).then(
          (held) => {
            if (!held) this.logger.warn(`${name}: lease lost while running`);
          },
          (error: Error) =>
            this.logger.warn(`${name}: lease not renewed: ${error.message}`),
        );
      },
      Math.ceil(this.ttlMs / 3),
    );
    timer.unref();
    return {
      release: async () => {
        clearInterval(timer);
        await this.leases.release(name, me).catch((error: Error) => {
          this.logger.warn(`${name}: lease left to expire: ${error.message}`);
        });
      },
    };
  }

  /** Runs `work` unless another instance runs the job; `skipped` when it does. */
  async runAlone<T>(
    name: string,
    work: () => Promise<T>,
    skipped: T,
  ): Promise<T> {
    const held = await this.tryHold(name);
    if (!held) return skipped;
    try {
      return await work();
    } finally {
      await held.release();
    }
  }
}
