import { ClusterJobs } from '../dispatch/cluster-jobs.js';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { OwnedStreams } from '../bus/owned-streams.js';
import { UnitOfWork } from '../bus/unit-of-work.js';
import type { SagaDefinition } from './saga-definition.js';
import { SagaStore } from './saga-store.js';
import { Saga } from './saga.js';

const SWEEP_INTERVAL_MS = 15_000;
const SWEEP_BATCH = 100;

/**
 * Registers sagas and sweeps for stalled instances. The durable subscription on a saga's events
 * normally drives it; the sweep is the safety net for an instance whose wake-up event was
 * parked as a dead letter (or whose driver hung): past its wake-up time, it is driven to its
 * end here, so no saga stays half done (stock reserved for an order that will never complete).
 * The first sweep runs one interval after start, so that after a restart the subscriptions
 * resume their sagas first.
 */
@Injectable()
export class SagaOrchestrator
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(SagaOrchestrator.name);
  private readonly sagas = new Map<string, Saga<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly store: SagaStore,
    private readonly ownedStreams: OwnedStreams,
    private readonly jobs: ClusterJobs,
  ) {}

  /**
   * Registers a saga (once per name); drive it with a durable handler calling `saga.handle`.
   * Its streams (`<name>-<id>`) become the saga's own: POST /events cannot write to them.
   */
  register<TData>(definition: SagaDefinition<TData>): Saga<TData> {
    if (this.sagas.has(definition.name))
      throw new Error(`saga ${definition.name} is registered twice`);
    this.ownedStreams.claim(`${definition.name}-`, `saga ${definition.name}`);
    const saga = new Saga(definition, this.uow, this.store);
    this.sagas.set(definition.name, saga as Saga<unknown>);
    return saga;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
  }

  /**
   * Drives every registered saga's instances whose wake-up time is before `now` to their end.
   * Returns how many it took up.
   */
  sweep(now = Date.now()): Promise<number> {
    this.sweeping ??= this.jobs
      .runAlone('job:saga-sweep', () => this.sweepAll(now), 0)
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepAll(now: number): Promise<number> {
    let count = 0;
    for (const saga of this.sagas.values()) {
      let due;
      try {
        due = await this.store.due(saga.name, now, SWEEP_BATCH);
      } catch (error) {
        this.logger.warn(`sweep of ${saga.name} failed: ${String(error)}`);
        continue;
      }
      for (const record of due) {
        count++;
        try {
          await saga.resume(record.id);
        } catch (error) {
          this.logger.error(
            `${saga.name} ${record.id} is still unfinished, next sweep tries again: ${(error as Error).message}`,
          );
        }
      }
    }
    return count;
  }
}
