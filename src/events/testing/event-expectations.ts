import { AssertionError, deepStrictEqual } from 'node:assert';
import { prepareAppend, type Publishable } from '../bus/event-preparer.js';
import type { StoredEvent } from '../store/stored-event.js';

/** What a specification compares of an event: its type and its payload as stored (JSON). */
export interface EventShape {
  type: string;
  data: unknown;
}

/**
 * Events as the bus would store them: run through the bus's own preparation, so an event that
 * the bus would refuse (a payload breaking its class's schema) fails the specification too.
 */
export function shapesOf(events: readonly Publishable[]): EventShape[] {
  if (events.length === 0) return [];
  const { events: prepared } = prepareAppend([...events], {}, '/spec', {});
  return prepared.map(({ type, dataJson }) => ({
    type,
    data: dataJson === null ? undefined : (JSON.parse(dataJson) as unknown),
  }));
}

export function storedShapesOf(events: readonly StoredEvent[]): EventShape[] {
  return events.map(({ type, data }) => ({ type, data }));
}

/** Fails with both lists shown when the events differ in number, order, type or payload. */
export function assertEvents(
  actual: EventShape[],
  expected: Publishable | Publishable[],
  what: string,
): void {
  deepStrictEqual(
    actual,
    shapesOf(Array.isArray(expected) ? expected : [expected]),
    `${what} differ from the expected ones`,
  );
}

/** The error `attempt` rejected with, checked against the expected class (and predicate). */
export async function expectError<E extends Error>(
  attempt: () => Promise<unknown>,
  errorClass: abstract new (...args: never[]) => E,
  check?: (error: E) => boolean,
): Promise<E> {
  let outcome: unknown;
  try {
    outcome = await attempt();
  } catch (error) {
    if (!(error instanceof errorClass))
      throw new AssertionError({
        message: `expected ${errorClass.name}, got ${String(error)}`,
        actual: error,
        expected: errorClass,
      });
    if (check && !check(error))
      throw new AssertionError({
        message: `${errorClass.name} does not match: ${error.message}`,
        actual: error,
      });
    return error;
  }
  throw new AssertionError({
    message: `expected ${errorClass.name}, but it succeeded`,
    actual: outcome,
    expected: errorClass,
  });
}
