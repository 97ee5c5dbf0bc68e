import { NO_TELEMETRY } from '../options/events-telemetry.js';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { publicError } from '../../common/errors/public-error.js';
import { isStorageFault } from '../../database/storage-fault.js';
import { LiveEvents } from '../bus/live-events.js';
import { GroupCommitWriter } from '../bus/writer/group-commit-writer.js';
import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { LOG_START, type LogCursor } from '../store/event-cursor.js';
import { LeaseStore } from '../store/lease-store.js';
import { DeadLetterStore } from '../store/dead-letter-store.js';
import {
  SubscriptionStore,
  type SubscriptionState,
} from '../store/subscription-store.js';
import { CommittedLog } from './committed-log.js';
import { DeliveryLog } from './delivery-log.js';
import {
  SubscriptionRunner,
  type RunnerDependencies,
} from './runner/subscription-runner.js';
import type { SubscriptionDefinition } from './subscription-definition.js';
import { SubscriptionExplorer } from './subscription-explorer.js';
import { SubscriptionOwnership } from './subscription-ownership.js';
import { WorkerPool } from './worker-pool.js';

/**
 * Starts one runner per durable subscription once the application has booted (so events
 * published during start-up wait in the log and are delivered, never dropped), wakes them on
 * every commit, and stops them in order on shutdown. SubscriptionControl adds, removes and
 * rewinds subscriptions while the application runs.
 */
@Injectable()
export class Dispatcher
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(Dispatcher.name);
  private readonly runners = new Map<string, SubscriptionRunner>();
  /** Every subscription this instance knows (its own, and webhooks); some run elsewhere. */
  private readonly wanted = new Map<string, SubscriptionDefinition>();
  /** PostgreSQL: which instance runs which subscription. Absent on SQLite: all run here. */
  readonly ownership: SubscriptionOwnership | undefined;
  private readonly deps: RunnerDependencies;
  readonly graceMs: number;
  private stopListening: (() => void) | undefined;
  private markStarted!: () => void;
  /** Resolves once boot-time subscriptions run; runtime ones are added after it. */
  readonly started = new Promise<void>(
    (resolve) => (this.markStarted = resolve),
  );

  constructor(
    private readonly explorer: SubscriptionExplorer,
    private readonly log: CommittedLog,
    private readonly subscriptions: SubscriptionStore,
    deadLetters: DeadLetterStore,
    private readonly writer: GroupCommitWriter,
    live: LiveEvents,
    leases: LeaseStore,
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
  ) {
    this.graceMs = options.handlers.shutdownGraceMs;
    this.ownership =
      subscriptions.dialect.kind === 'postgres'
        ? new SubscriptionOwnership(
            leases,
            options.cluster.instanceId,
            options.cluster.leaseTtlMs,
            {
              wanted: () => [...this.wanted.keys()],
              running: () => [...this.runners.keys()],
              start: (name) => this.startOwned(name),
              stop: async (name) => void (await this.detach(name)),
            },
          )
        : undefined;
    this.deps = {
      readEvents: (after, limit) => this.log.readAfter(after, limit),
      head: () => this.log.head,
      writer,
      subscriptions,
      deadLetters,
      workers: new WorkerPool(options.bus.workers),
      log: new DeliveryLog(
        options.logDeliveries,
        options.telemetry ?? NO_TELEMETRY,
      ),
      onDeadLettered: (subscription, event, attempts, error) =>
        live.deadLettered({
          subscription,
          event,
          attempts,
          error: publicError(error),
        }),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    const definitions = this.explorer.explore();
    const head = await this.log.follow();
    this.log.trackReaders(() => this.slowestPosition());
    this.stopListening = this.log.onNewEvents(() => {
      for (const runner of this.runners.values()) runner.notify();
    });
    await this.launchAll(definitions, head);
    await this.ownership?.start();
    this.logger.log(
      `${definitions.length} durable subscription(s): ${definitions.map((d) => d.name).join(', ') || 'none'}`,
    );
    this.markStarted();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.writer.stopAccepting();
    await this.ownership?.stop();
    await Promise.all(
      [...this.runners.values()].map((runner) => runner.stop(this.graceMs)),
    );
    await this.ownership?.releaseAll().catch((error: Error) => {
      this.logger.warn(`leases left to expire: ${error.message}`);
    });
    this.stopListening?.();
    await this.writer.close();
  }

  get all(): SubscriptionRunner[] {
    return [...this.runners.values()];
  }

  runner(name: string): SubscriptionRunner | undefined {
    return this.runners.get(name);
  }

  definitionNames(): string[] {
    return [...this.wanted.keys()];
  }

  /** A subscription this instance knows, whether it runs here or on another instance. */
  definition(name: string): SubscriptionDefinition | undefined {
    return this.wanted.get(name);
  }

  /** Where the slowest running subscription stands; the head when none runs. */
  private slowestPosition(): number {
    let slowest = this.log.head.position;
    for (const runner of this.runners.values())
      slowest = Math.min(slowest, runner.snapshot.position);
    return slowest;
  }

  /** Newest settled cursor this process knows of. */
  get head(): LogCursor {
    return this.log.head;
  }

  /**
   * Launches subscriptions, registering the new ones first (a new one starts per its
   * `startFrom`, a known one from its checkpoint). When the database cannot be written
   * (read-only at start, say) the known ones start at once and the new ones as soon as the
   * writer takes writes again.
   */
  async launchAll(
    definitions: SubscriptionDefinition[],
    head: LogCursor = this.log.head,
  ): Promise<void> {
    let states: Map<string, SubscriptionState>;
    try {
      states = await this.registerNew(definitions, head);
    } catch (error) {
      if (!isStorageFault(error)) throw error;
      states = await this.subscriptions.loadAll();
      const waiting = definitions.filter((d) => !states.has(d.name));
      const names = waiting.map((d) => d.name).join(', ');
      this.logger.warn(
        `the database cannot be written: ${names} will start once it can`,
      );
      void this.writer.health
        .whenHealthy()
        .then(() => this.launchAll(waiting))
        .catch((retryError: Error) =>
          this.logger.error(`could not start ${names}: ${retryError.message}`),
        );
    }
    for (const definition of definitions) {
      this.wanted.set(definition.name, definition);
      const state = states.get(definition.name);
      if (!this.ownership && state && !this.runners.has(definition.name))
        this.launch(definition, state);
    }
    await this.ownership?.tick();
  }

  launch(definition: SubscriptionDefinition, state: SubscriptionState): void {
    const runner = new SubscriptionRunner(definition, state, this.deps);
    this.runners.set(definition.name, runner);
    runner.start();
  }

  /**
   * No longer runs `name` anywhere this instance decides: stops its runner here and gives
   * its lease back (a webhook deleted, say).
   */
  async forget(name: string): Promise<SubscriptionRunner | undefined> {
    this.wanted.delete(name);
    const runner = await this.detach(name);
    await this.ownership?.release(name);
    return runner;
  }

  /** The lease on `name` is ours (PostgreSQL): start it from its stored checkpoint. */
  private async startOwned(name: string): Promise<void> {
    const definition = this.wanted.get(name);
    if (!definition || this.runners.has(name)) return;
    const state = await this.subscriptions.load(name);
    if (!state) throw new Error(`${name} has no checkpoint row yet`);
    this.launch(definition, state);
  }

  /** Stops a runner and forgets it (its running handler may finish within shutdown_grace). */
  async detach(name: string): Promise<SubscriptionRunner | undefined> {
    const runner = this.runners.get(name);
    if (!runner) return undefined;
    this.runners.delete(name);
    await runner.stop(this.graceMs);
    return runner;
  }

  private async registerNew(
    definitions: SubscriptionDefinition[],
    head: LogCursor,
  ): Promise<Map<string, SubscriptionState>> {
    const known = await this.subscriptions.loadAll();
    const fresh = definitions.filter(
      (definition) => !known.has(definition.name),
    );
    if (fresh.length === 0) return known;
    await this.writer.runUnit(async (tx) => {
      for (const definition of fresh) {
        const start = definition.startFrom === 'now' ? head : LOG_START;
        await this.subscriptions.create(tx.queryRunner, definition.name, start);
      }
    });
    return this.subscriptions.loadAll();
  }
}
