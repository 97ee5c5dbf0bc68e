import { describe, expect, it } from 'vitest';
import type { SagaDefinition, SagaStep } from './saga-definition.js';
import { SagaPlan } from './saga-plan.js';
import type { SagaRecord } from './saga-record.js';
import { startRecord, transition } from './saga-transitions.js';
import { sagaView } from './saga-view.js';

interface TripData {
  trip: string;
}

const now = new Date('2025-01-01T00:00:00.000Z');
const later = new Date('2025-01-01T00:00:05.000Z');

function step(
  name: string,
  {
    compensable = true,
    timeout,
  }: { compensable?: boolean; timeout?: number } = {},
): SagaStep<TripData> {
  return {
    name,
    timeout,
    run: () => Promise.resolve(name),
    compensate: compensable ? () => Promise.resolve(null) : undefined,
    completed: ({ sagaId }, result) => ({
      type: `trip.${name}_done`,
      data: { sagaId, result },
    }),
    compensated: ({ sagaId }) => ({
      type: `trip.${name}_undone`,
      data: { sagaId },
    }),
  };
}

const trip: SagaDefinition<TripData> = {
  name: 'trip',
  stepTimeout: '2s',
  stallTimeout: '1m',
  // `hotel` cannot be undone: compensations skip it.
  steps: [
    step('flight'),
    step('hotel', { compensable: false }),
    step('car', { timeout: 500 }),
  ],
  failed: (_, failure) => ({ type: 'trip.failed', data: failure }),
  completed: ({ sagaId }) => ({ type: 'trip.booked', data: { sagaId } }),
  cancelled: (_, failure) => ({ type: 'trip.cancelled', data: failure }),
};
const plan = new SagaPlan(trip);

function started(): SagaRecord {
  return startRecord(
    plan,
    't-1',
    { trip: 'Lisbon' },
    [{ id: 'e-1', streamVersion: 1, correlationId: 'c-1' }],
    now,
  );
}

function at(
  nextStep: number,
  status: SagaRecord['status'] = 'running',
): SagaRecord {
  const failure =
    status === 'compensating' ? { step: 'car', reason: 'no cars' } : null;
  return { ...started(), nextStep, status, failure };
}

const types = (events: unknown[]) =>
  events.map((event) => (event as { type: string }).type);

describe('saga transitions', () => {
  it('starts running at the first step, waking after its timeout and the stall timeout', () => {
    const record = started();

    expect(record).toMatchObject({
      streamId: 'trip-t-1',
      status: 'running',
      nextStep: 0,
      version: 1,
      lastEventId: 'e-1',
      revision: 1,
      correlationId: 'c-1',
      wakeAt: now.getTime() + 2_000 + 60_000,
    });
    expect(sagaView(plan, record).currentStep).toBe('flight');
  });

  it('keeps a completed step’s result, records it and emits its event', () => {
    const { next, events } = transition(
      plan,
      started(),
      { completed: 'F-42' },
      later,
    );

    expect(next).toMatchObject({
      status: 'running',
      nextStep: 1,
      results: { flight: 'F-42' },
      revision: 2,
      updatedAt: later.toISOString(),
      wakeAt: later.getTime() + 2_000 + 60_000,
    });
    expect(next.history).toEqual([
      {
        step: 'flight',
        action: 'run',
        status: 'completed',
        at: later.toISOString(),
      },
    ]);
    expect(events).toEqual([
      { type: 'trip.flight_done', data: { sagaId: 't-1', result: 'F-42' } },
    ]);
  });

  it('completes with the last step, in the same transition, and stops waking', () => {
    const { next, events } = transition(
      plan,
      at(2),
      { completed: 'C-7' },
      later,
    );

    expect([next.status, next.wakeAt]).toEqual(['completed', null]);
    expect(sagaView(plan, next).currentStep).toBeNull();
    expect(types(events)).toEqual(['trip.car_done', 'trip.booked']);
  });

  it('records a failure before compensating, starting with the failed step itself', () => {
    const error = new Error('no cars left at /srv/app/dist/cars.js');
    const { next, events } = transition(plan, at(2), { failed: error }, later);

    const failure = { step: 'car', reason: 'no cars left at <path>' };
    expect(next).toMatchObject({
      status: 'compensating',
      nextStep: 2,
      failure,
      wakeAt: later.getTime() + 500 + 60_000,
    });
    expect(next.history.at(-1)).toMatchObject({
      step: 'car',
      action: 'run',
      status: 'failed',
      error: failure.reason,
    });
    expect(events).toEqual([{ type: 'trip.failed', data: failure }]);
  });

  it('skips steps that have no compensation', () => {
    const { next, events } = transition(
      plan,
      at(2, 'compensating'),
      { compensated: null },
      later,
    );

    expect([next.status, next.nextStep]).toEqual(['compensating', 1]);
    expect(sagaView(plan, next).currentStep).toBe('flight');
    expect(types(events)).toEqual(['trip.car_undone']);
  });

  it('is cancelled with the last compensation, carrying the failure', () => {
    const { next, events } = transition(
      plan,
      at(0, 'compensating'),
      { compensated: null },
      later,
    );

    expect(next).toMatchObject({
      status: 'cancelled',
      nextStep: -1,
      wakeAt: null,
    });
    expect(events).toEqual([
      { type: 'trip.flight_undone', data: { sagaId: 't-1' } },
      {
        type: 'trip.cancelled',
        data: { step: 'car', reason: 'no cars' },
      },
    ]);
  });

  it('is cancelled at once when nothing before the failed step can be undone', () => {
    const single = new SagaPlan<TripData>({
      ...trip,
      steps: [step('hotel', { compensable: false })],
    });
    const record = startRecord(
      single,
      't-2',
      { trip: 'Porto' },
      [{ id: 'e-1', streamVersion: 1, correlationId: 'c-2' }],
      now,
    );

    const { next, events } = transition(
      single,
      record,
      { failed: new Error('full') },
      later,
    );

    expect(next.status).toBe('cancelled');
    expect(types(events)).toEqual(['trip.failed', 'trip.cancelled']);
  });

  it('refuses an outcome the instance cannot take', () => {
    expect(() =>
      transition(plan, started(), { compensated: null }, later),
    ).toThrow(/running/);
  });
});

describe('SagaPlan', () => {
  it.each([
    [{ ...trip, name: 'Trip-Saga' }, /lower-case/],
    [{ ...trip, steps: [] }, /no steps/],
    [{ ...trip, steps: [step('a'), step('a')] }, /same name/],
    [{ ...trip, stepTimeout: 'soon' }, /stepTimeout/],
    [{ ...trip, steps: [step('a', { timeout: 0 })] }, /saga trip a/],
  ])('refuses a definition it cannot run (%#)', (definition, message) => {
    expect(() => new SagaPlan(definition)).toThrow(message);
  });
});
