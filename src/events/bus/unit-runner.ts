import type { EntityManager, QueryRunner } from 'typeorm';
import { TransactionClosedError } from '../errors/transaction-closed.error.js';
import { TransactionControlError } from '../errors/transaction-control.error.js';

/** What only the writer may call on the runner of a group (see TransactionControlError). */
const WRITER_ONLY = new Set<PropertyKey>([
  'startTransaction',
  'commitTransaction',
  'rollbackTransaction',
  'release',
]);

/**
 * The runner as a unit sees it: every method refused once the unit ended, transaction control
 * always, and its `manager` the unit's own (the runner's would bypass this guard).
 */
export function unitRunner(
  runner: QueryRunner,
  isOpen: () => boolean,
  manager: () => EntityManager,
): QueryRunner {
  return new Proxy(runner, {
    get(target, property) {
      if (property === 'manager') return manager();
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (WRITER_ONLY.has(property))
        return () =>
          Promise.reject(new TransactionControlError(String(property)));
      return (...args: unknown[]) => {
        if (!isOpen()) throw new TransactionClosedError();
        return (value as (...parameters: unknown[]) => unknown).apply(
          target,
          args,
        );
      };
    },
  });
}
