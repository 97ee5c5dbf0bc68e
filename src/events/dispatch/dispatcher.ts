import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ConflictError } from '../../common/errors/domain-error.js';
import { isStorageFault } from '../../database/storage-fault.js';
import { publicError } from '../../common/errors/public-error.js';
import type { AppConfig } from '../../config/app-config.js';
import { CommitFeed } from '../bus/commit-feed.js';
import type { Transaction } from '../bus/transaction.js';
import { GroupCommitWriter } from '../bus/group-commit-writer.js';
import { LiveEvents } from '../bus/live-events.js';
import { DeadLetterStore } from '../store/dead-letter-store.js';
import { EventStore } from '../store/event-store.js';
import type { StoredEvent } from '../store/stored-event.js';
import {
  SubscriptionStore,
  type SubscriptionState,
} from '../store/subscription-store.js';
import { DeliveryLog } from './delivery-log.js';
import { EventTail } from './event-tail.js';
import type { SubscriptionDefinition } from './subscription-definition.js';
import { SubscriptionExplorer } from './subscription-explorer.js';
import {
  SubscriptionRunner,
  type RunnerDependencies,
} from './runner/subscription-runner.js';
import { WorkerPool } from './worker-pool.js';

// Caught-up subscriptions trail the head by at most a few commit groups (1,500 events at 28k
// events/s in the throughput benchmark); a longer tail only turns more events into old-generation
// garbage (peak RSS 472 MB at 20,000, 325 MB at 5,000).
const TAIL_CAPACITY = 5_000;
// The fallback when no commit notification arrives (another process wrote to the database).
const HEAD_POLL_MS = 1_000;
const LOGGED_LEVELS = new Set(['info', 'debug', 'trace']);

/**
 * Starts one runner per durable subscription once the application has booted (so events
 * published during start-up wait in the log and are delivered, never dropped), wakes them on
 * every commit, and stops them in order on shutdown.
 */
@Injectable()
export class Dispatcher
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(Dispatcher.name);
  private readonly runners = new Map<string, SubscriptionRunner>();
  private readonly tail: EventTail;
  private readonly workers: WorkerPool;
  private readonly synchronous: boolean;
  private readonly graceMs: number;
  private readonly log: DeliveryLog;
  /** Newest position committed by this process's writer. */
  private committedHead = 0;
  private knownHead = 0;
  /** A COMMIT failed: the store may hold events this process never saw committed. */
  private headUncertain = false;
  private headPoll: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private unsubscribeUncertain: (() => void) | undefined;
  private deps!: RunnerDependencies;
  private markStarted!: () => void;
  /** Resolves once boot-time subscriptions run; runtime ones are added after it. */
  private readonly started = new Promise<void>(
    (resolve) => (this.markStarted = resolve),
  );

  constructor(
    private readonly explorer: SubscriptionExplorer,
    private readonly store: EventStore,
    private readonly subscriptions: SubscriptionStore,
    private readonly deadLetters: DeadLetterStore,
    private readonly writer: GroupCommitWriter,
    private readonly feed: CommitFeed,
    private readonly live: LiveEvents,
    config: ConfigService<AppConfig, true>,
  ) {
    this.tail = new EventTail(
      TAIL_CAPACITY,
      config.get('event.bus.tail_bytes', { infer: true }),
    );
    this.workers = new WorkerPool(
      config.get('event.bus.workers', { infer: true }),
    );
    this.synchronous = !config.get('event.handlers.async', { infer: true });
    this.graceMs = config.get('event.handlers.shutdown_grace', { infer: true });
    this.log = new DeliveryLog(
      LOGGED_LEVELS.has(config.get('log.level', { infer: true })),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const definitions = this.explorer.explore();
    // Subscribe before reading the head: every commit is then either below it or in the tail.
    this.unsubscribe = this.feed.subscribe((events) =>
      this.onCommitted(events),
    );
    this.unsubscribeUncertain = this.feed.onUncertain(() => {
      this.tail.invalidate();
      this.headUncertain = true;
    });
    const head = await this.store.head();
    this.tail.reset(head);
    this.knownHead = Math.max(this.knownHead, head);
    this.committedHead = Math.max(this.committedHead, head);

    this.deps = this.runnerDependencies();
    await this.launchAll(definitions, head);
    this.headPoll = setInterval(() => void this.pollHead(), HEAD_POLL_MS);
    this.headPoll.unref();
    this.logger.log(
      `${definitions.length} durable subscription(s): ${definitions.map((d) => d.name).join(', ') || 'none'}`,
    );
    this.markStarted();
  }

  /**
   * Starts a subscription defined at run time (a webhook, say). A new one gets its checkpoint
   * row per its `startFrom`; a known one continues from its checkpoint.
   */
  async add(definition: SubscriptionDefinition): Promise<void> {
    await this.started;
    if (this.runners.has(definition.name)) {
      throw new ConflictError(
        `subscription ${definition.name} already exists`,
        { subscription: definition.name },
      );
    }
    await this.launchAll([definition], this.knownHead);
  }

  /**
   * Stops a subscription (its running handler may finish within shutdown_grace). `forget`
   * also deletes its checkpoint, counters and dead letters.
   */
  async remove(name: string, { forget }: { forget: boolean }): Promise<void> {
    const runner = this.runners.get(name);
    if (!runner) return;
    this.runners.delete(name);
    await runner.stop(this.graceMs);
    if (!forget) return;
    await this.writer.runUnit(async (tx) => {
      await this.deadLetters.removeForSubscription(tx.queryRunner, name);
      await this.subscriptions.delete(tx.queryRunner, name);
    });
  }

  /**
   * Moves a subscription's checkpoint back to the start of the log so it handles every event
   * again, in order, live events included. The runner is stopped first (its running handler may
   * finish within shutdown_grace), `clear` runs in the transaction that rewinds the checkpoint,
   * then the subscription starts again. Counters are kept: they count deliveries, not events.
   */
  async rewind(
    name: string,
    clear: (tx: Transaction) => Promise<void>,
  ): Promise<SubscriptionState> {
    const runner = this.runners.get(name);
    if (!runner) throw new Error(`subscription ${name} is not running`);
    this.runners.delete(name);
    await runner.stop(this.graceMs);
    const rewound: SubscriptionState = { ...runner.snapshot, position: 0 };
    try {
      await this.writer.runUnit(
        async (tx) => {
          await clear(tx);
          await this.subscriptions.save(tx.queryRunner, rewound);
        },
        { timeoutMs: null },
      );
    } catch (error) {
      this.launch(runner.definition, { ...runner.snapshot });
      throw error;
    }
    this.launch(runner.definition, { ...rewound });
    return rewound;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.writer.stopAccepting();
    clearInterval(this.headPoll);
    await Promise.all(
      [...this.runners.values()].map((runner) => runner.stop(this.graceMs)),
    );
    this.unsubscribe?.();
    this.unsubscribeUncertain?.();
    await this.writer.close();
  }

  get all(): SubscriptionRunner[] {
    return [...this.runners.values()];
  }

  runner(name: string): SubscriptionRunner | undefined {
    return this.runners.get(name);
  }

  get head(): number {
    return this.knownHead;
  }

  /** With event.handlers.async = false, publishers wait here until every matching handler is done. */
  async waitIfSynchronous(events: readonly StoredEvent[]): Promise<void> {
    if (!this.synchronous || events.length === 0) return;
    const waits: Promise<void>[] = [];
    for (const runner of this.runners.values()) {
      let last = 0;
      for (const event of events)
        if (runner.matches(event.type)) last = Math.max(last, event.position);
      if (last > 0) waits.push(runner.reached(last));
    }
    await Promise.all(waits);
  }

  /**
   * Launches subscriptions, registering the new ones first. When the database cannot be
   * written (read-only at start, say) the known ones start at once and the new ones as soon as
   * the writer takes writes again.
   */
  private async launchAll(
    definitions: SubscriptionDefinition[],
    head: number,
  ): Promise<void> {
    let states: Map<string, SubscriptionState>;
    try {
      states = await this.registerNew(definitions, head);
    } catch (error) {
      if (!isStorageFault(error)) throw error;
      states = await this.subscriptions.loadAll();
      const waiting = definitions.filter((d) => !states.has(d.name));
      this.logger.warn(
        `the database cannot be written: ${waiting.map((d) => d.name).join(', ')} will start once it can`,
      );
      void this.writer.health
        .whenHealthy()
        .then(() => this.launchAll(waiting, this.knownHead))
        .catch((retryError: Error) =>
          this.logger.error(
            `could not start ${waiting.map((d) => d.name).join(', ')}: ${retryError.message}`,
          ),
        );
    }
    for (const definition of definitions) {
      const state = states.get(definition.name);
      if (state && !this.runners.has(definition.name))
        this.launch(definition, state);
    }
  }

  private launch(
    definition: SubscriptionDefinition,
    state: SubscriptionState,
  ): void {
    const runner = new SubscriptionRunner(definition, state, this.deps);
    this.runners.set(definition.name, runner);
    runner.start();
  }

  private onCommitted(events: readonly StoredEvent[]): void {
    this.tail.append(events);
    this.headUncertain = false;
    const newest = events[events.length - 1].position;
    this.committedHead = Math.max(this.committedHead, newest);
    this.knownHead = Math.max(this.knownHead, newest);
    for (const runner of this.runners.values()) runner.notify();
  }

  private async pollHead(): Promise<void> {
    try {
      const head = await this.store.head();
      if (head <= this.knownHead) return;
      if (head > this.committedHead && !this.headUncertain) {
        // Someone else writes to this log: only the store has the whole picture now.
        this.tail.stopCovering();
      }
      this.knownHead = head;
      for (const runner of this.runners.values()) runner.notify();
    } catch (error) {
      this.logger.warn(
        `could not read the log head: ${(error as Error).message}`,
      );
    }
  }

  private async registerNew(
    definitions: SubscriptionDefinition[],
    head: number,
  ): Promise<Map<string, SubscriptionState>> {
    const known = await this.subscriptions.loadAll();
    const fresh = definitions.filter(
      (definition) => !known.has(definition.name),
    );
    if (fresh.length === 0) return known;
    await this.writer.runUnit(async (tx) => {
      for (const definition of fresh) {
        const start = definition.startFrom === 'now' ? head : 0;
        await this.subscriptions.create(tx.queryRunner, definition.name, start);
      }
    });
    return this.subscriptions.loadAll();
  }

  private runnerDependencies(): RunnerDependencies {
    return {
      readEvents: async (after, limit) =>
        this.tail.readAfter(after, limit) ?? this.store.readAfter(after, limit),
      head: () => this.knownHead,
      writer: this.writer,
      subscriptions: this.subscriptions,
      deadLetters: this.deadLetters,
      workers: this.workers,
      log: this.log,
      onDeadLettered: (subscription, event, attempts, error) =>
        this.live.deadLettered({
          subscription,
          event,
          attempts,
          error: publicError(error),
        }),
    };
  }
}
