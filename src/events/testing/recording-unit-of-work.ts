import type { EntityManager, QueryRunner } from 'typeorm';
import type { Publishable } from '../bus/event-preparer.js';
import type { Transaction } from '../bus/transaction.js';
import type { AppendOptions } from '../store/new-event.js';
import type { StoredEvent } from '../store/stored-event.js';
import type { RecordingEventBus } from './recording-event-bus.js';

/**
 * An in-memory stand-in for UnitOfWork: `tx.append` records into a RecordingEventBus, and
 * everything a unit appended is discarded if the unit throws, as a rollback would. There is no
 * database: `tx.manager` throws, so give the service under test a fake repository.
 */
export class RecordingUnitOfWork {
  constructor(private readonly bus: RecordingEventBus) {}

  async run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const savepoint = this.bus.savepoint();
    const bus = this.bus;
    const tx: Transaction = {
      get manager(): EntityManager {
        throw new Error(
          'RecordingUnitOfWork has no database; give the code under test a fake repository',
        );
      },
      get queryRunner(): QueryRunner {
        throw new Error('RecordingUnitOfWork has no database');
      },
      append(
        events: Publishable | Publishable[],
        options?: AppendOptions,
      ): Promise<StoredEvent[]> {
        try {
          return Promise.resolve(bus.record(events, options).events);
        } catch (error) {
          return Promise.reject(error as Error);
        }
      },
    };
    try {
      return await work(tx);
    } catch (error) {
      this.bus.rollback(savepoint);
      throw error;
    }
  }
}
