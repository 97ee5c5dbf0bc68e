import Database from 'better-sqlite3';
import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnModuleInit,
} from '@nestjs/common';
import {
  EventsModule,
  OnDomainEvent,
  UnitOfWork,
  type HandlerContext,
  type StoredEvent,
  type TransactionalHandlerContext,
} from '../../src/events/index.js';

/** What a probe subscription does with one delivery; throw (or reject) to fail it. */
export type ProbeBehaviour = (
  event: StoredEvent,
  context: HandlerContext,
) => unknown;

export interface ProbeCall {
  eventId: string;
  type: string;
  position: number;
  attempt: number;
  subscription: string;
  /** performance.now() when the handler was entered. */
  startedAt: number;
  /** Date.now() when the handler was entered. */
  wallClock: number;
  outcome: 'running' | 'ok' | 'error';
  error?: Error;
  /** Set when the context's signal fired while the handler ran; its reason. */
  aborted?: unknown;
}

/** One probe subscription: records every delivery and behaves as the test says. */
export class ProbeChannel {
  readonly calls: ProbeCall[] = [];
  behaviour: ProbeBehaviour = () => undefined;
  private readonly releases = new Set<() => void>();

  async handle(event: StoredEvent, context: HandlerContext): Promise<void> {
    const call: ProbeCall = {
      eventId: event.id,
      type: event.type,
      position: event.position,
      attempt: context.attempt,
      subscription: context.subscription,
      startedAt: performance.now(),
      wallClock: Date.now(),
      outcome: 'running',
    };
    this.calls.push(call);
    context.signal.addEventListener(
      'abort',
      () => (call.aborted = context.signal.reason),
      { once: true },
    );
    try {
      await this.behaviour(event, context);
      call.outcome = 'ok';
    } catch (error) {
      call.outcome = 'error';
      call.error = error as Error;
      throw error;
    }
  }

  callsFor(eventId: string): ProbeCall[] {
    return this.calls.filter((call) => call.eventId === eventId);
  }

  /** Ids of the events whose delivery succeeded, in the order they succeeded. */
  delivered(): string[] {
    return this.calls
      .filter((call) => call.outcome === 'ok')
      .map((call) => call.eventId);
  }

  /** A promise that never settles on its own; released by releaseAll(). */
  hangForever(): Promise<void> {
    return new Promise<void>((resolve) => this.releases.add(resolve));
  }

  /** Waits until the signal fires, then rejects with its reason (a well-behaved slow handler). */
  hangUntilAborted(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.releases.add(resolve);
      if (signal.aborted) reject(signal.reason as Error);
      signal.addEventListener('abort', () => reject(signal.reason as Error), {
        once: true,
      });
    });
  }

  releaseAll(): void {
    for (const release of this.releases) release();
    this.releases.clear();
  }

  reset(): void {
    this.releaseAll();
    this.calls.length = 0;
    this.behaviour = () => undefined;
  }
}

/** Shared between the test and the handlers mounted in the application. */
export class Probe {
  /** Subscription `probe.flaky`: events of type `probe.flaky` only. */
  readonly flaky = new ProbeChannel();
  /** Subscription `probe.steady`: every `probe.*` event, including `probe.flaky`. */
  readonly steady = new ProbeChannel();
  /**
   * Subscription `probe.ledger` (transactional): every `ledger.*` event. Each attempt first
   * writes a row (event_id, attempt) to the `probe_ledger` table in the delivery's transaction,
   * then behaves as told; a failed attempt's row must be rolled back with it. Its own timeout
   * is LEDGER_TIMEOUT_MS.
   */
  readonly ledger = new ProbeChannel();

  reset(): void {
    this.flaky.reset();
    this.steady.reset();
    this.ledger.reset();
  }
}

export const LEDGER_TABLE = 'probe_ledger';
/** probe.ledger's own handler timeout, overriding event.handlers.timeout. */
export const LEDGER_TIMEOUT_MS = 1_000;

const PROBE = Symbol('probe');

@Injectable()
class ProbeHandlers implements OnModuleInit {
  constructor(
    @Inject(PROBE) private readonly probe: Probe,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.unitOfWork.run(async (tx) => {
      await tx.queryRunner.query(
        `CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (event_id TEXT NOT NULL, attempt INTEGER NOT NULL)`,
      );
    });
  }

  @OnDomainEvent('probe.flaky', { name: 'probe.flaky' })
  flaky(event: StoredEvent, context: HandlerContext): Promise<void> {
    return this.probe.flaky.handle(event, context);
  }

  @OnDomainEvent('probe.*', { name: 'probe.steady' })
  steady(event: StoredEvent, context: HandlerContext): Promise<void> {
    return this.probe.steady.handle(event, context);
  }

  @OnDomainEvent('ledger.*', {
    name: 'probe.ledger',
    transactional: true,
    timeout: LEDGER_TIMEOUT_MS,
  })
  async ledger(
    event: StoredEvent,
    context: TransactionalHandlerContext,
  ): Promise<void> {
    await context.transaction.manager.query(
      `INSERT INTO ${LEDGER_TABLE} (event_id, attempt) VALUES (?, ?)`,
      [event.id, context.attempt],
    );
    await this.probe.ledger.handle(event, context);
  }
}

@Module({})
class ProbeModule {}

/** Mount with startTestApp(dir, overrides, { imports: [probeModule(probe)] }). */
export function probeModule(probe: Probe): DynamicModule {
  return {
    module: ProbeModule,
    imports: [EventsModule],
    providers: [{ provide: PROBE, useValue: probe }, ProbeHandlers],
  };
}

/** Fails the first `times` attempts of every event with `Error('<message> #<attempt>')`. */
export function failTimes(times: number, message = 'flaky'): ProbeBehaviour {
  return (_event, context) => {
    if (context.attempt <= times)
      throw new Error(`${message} #${context.attempt}`);
  };
}

/** The committed rows of `probe_ledger` in a database file, read without the application. */
export function readLedger(
  databasePath: string,
): { event_id: string; attempt: number }[] {
  const db = new Database(databasePath, { readonly: true });
  try {
    return db
      .prepare(`SELECT event_id, attempt FROM ${LEDGER_TABLE} ORDER BY rowid`)
      .all() as { event_id: string; attempt: number }[];
  } finally {
    db.close();
  }
}
