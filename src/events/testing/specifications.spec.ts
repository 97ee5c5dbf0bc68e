import { AssertionError } from 'node:assert';
import { Injectable } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import type { EventBus } from '../bus/event-bus.js';
import { OnDomainEvent } from '../dispatch/on-domain-event.decorator.js';
import type {
  HandlerContext,
  TransactionalHandlerContext,
} from '../dispatch/handler-context.js';
import { ConflictError } from '../../common/errors/domain-error.js';
import type { Decider } from '../sourcing/decider.js';
import type { StoredEvent } from '../store/stored-event.js';
import { DeciderSpecification } from './decider-specification.js';
import { HandlerSpecification } from './handler-specification.js';
import { RecordingEventBus } from './recording-event-bus.js';
import { SagaSpecification } from './saga-specification.js';

class LampBroken extends ConflictError {}

/** A lamp that can be switched on once. */
const lamp: Decider<boolean, { type: 'SwitchOn' }> = {
  initialState: () => false,
  evolve: () => true,
  decide: (_, on) => {
    if (on) throw new LampBroken('already on');
    return { type: 'lamp.switched_on', data: { watts: 40 } };
  },
};

describe('DeciderSpecification', () => {
  const spec = DeciderSpecification.for(lamp);

  it('passes when the decided events match, and fails when they differ', async () => {
    await spec
      .given([])
      .when({ type: 'SwitchOn' })
      .then([{ type: 'lamp.switched_on', data: { watts: 40 } }]);

    await expect(
      spec
        .given([])
        .when({ type: 'SwitchOn' })
        .then([{ type: 'lamp.switched_on', data: { watts: 60 } }]),
    ).rejects.toBeInstanceOf(AssertionError);
    await expect(
      spec.given([]).when({ type: 'SwitchOn' }).thenNothingHappened(),
    ).rejects.toBeInstanceOf(AssertionError);
  });

  it('fails thenThrows when the command succeeds or fails otherwise', async () => {
    const on = { type: 'lamp.switched_on', data: { watts: 40 } };
    await spec.given([on]).when({ type: 'SwitchOn' }).thenThrows(LampBroken);

    await expect(
      spec.given([]).when({ type: 'SwitchOn' }).thenThrows(LampBroken),
    ).rejects.toThrow(/succeeded/);
    await expect(
      spec.given([on]).when({ type: 'SwitchOn' }).thenThrows(RangeError),
    ).rejects.toThrow(/expected RangeError/);
  });
});

@Injectable()
class RelayHandler {
  constructor(private readonly bus: EventBus) {}

  @OnDomainEvent('parcel.shipped', { name: 'testing.relay' })
  async relay(event: StoredEvent<{ parcel: string }>, _: HandlerContext) {
    await this.bus.publish({
      type: 'parcel.tracked',
      data: { parcel: event.data.parcel },
    });
  }

  @OnDomainEvent('parcel.lost', {
    name: 'testing.claims',
    transactional: true,
  })
  async claim(
    event: StoredEvent,
    { transaction }: TransactionalHandlerContext,
  ) {
    await transaction.append({ type: 'claim.opened', data: {} });
    throw new LampBroken(`cannot claim ${event.id}`);
  }
}

describe('HandlerSpecification', () => {
  it('delivers like the dispatcher: what the handler publishes continues the handled event’s chain', async () => {
    const bus = new RecordingEventBus();
    const handler = new RelayHandler(bus);

    const { delivered, published } = await HandlerSpecification.for(
      handler,
      'relay',
      bus,
    )
      .given({ type: 'parcel.shipped', data: { parcel: 'p-1' } })
      .then([{ type: 'parcel.tracked', data: { parcel: 'p-1' } }]);

    expect(published[0].causationId).toBe(delivered.id);
    expect(published[0].correlationId).toBe(delivered.correlationId);
  });

  it('fails when the handler publishes something else', async () => {
    const bus = new RecordingEventBus();

    await expect(
      HandlerSpecification.for(new RelayHandler(bus), 'relay', bus)
        .given({ type: 'parcel.shipped', data: { parcel: 'p-1' } })
        .thenNothingPublished(),
    ).rejects.toBeInstanceOf(AssertionError);
  });

  it('rolls back a failing transactional handler', async () => {
    const bus = new RecordingEventBus();

    await HandlerSpecification.for(new RelayHandler(bus), 'claim', bus)
      .given({ type: 'parcel.lost' })
      .thenThrows(LampBroken);

    expect(bus.events.map((event) => event.type)).toEqual(['parcel.lost']);
  });

  it('refuses an event the handler does not subscribe to', async () => {
    const bus = new RecordingEventBus();

    await expect(
      HandlerSpecification.for(new RelayHandler(bus), 'relay', bus)
        .given({ type: 'parcel.lost' })
        .thenNothingPublished(),
    ).rejects.toThrow(/RelayHandler.relay does not subscribe to parcel.lost/);
  });
});

describe('SagaSpecification', () => {
  const saga = SagaSpecification.for<{ to: string }>({
    name: 'delivery',
    steps: [
      {
        name: 'pick',
        run: () => Promise.resolve('shelf 4'),
        completed: ({ sagaId }) => ({
          type: 'delivery.picked',
          data: { sagaId },
        }),
      },
      { name: 'drive', run: () => Promise.resolve(null) },
    ],
  });

  it('fails when the next state or the events differ', () => {
    const given = saga.given({ data: { to: 'Porto' }, step: 'pick' });
    given
      .when({ completed: 'shelf 4' })
      .then({ currentStep: 'drive' }, [
        { type: 'delivery.picked', data: { sagaId: 'saga-1' } },
      ]);

    expect(() =>
      given
        .when({ completed: 'shelf 4' })
        .then({ currentStep: 'pick' }, [
          { type: 'delivery.picked', data: { sagaId: 'saga-1' } },
        ]),
    ).toThrow(AssertionError);
    expect(() =>
      given.when({ completed: 'shelf 4' }).then({ currentStep: 'drive' }, []),
    ).toThrow(AssertionError);
  });
});
