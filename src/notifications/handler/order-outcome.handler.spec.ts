import { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HandlerSpecification,
  RecordingEventBus,
} from '../../events/testing/index.js';
import { OrderCancelled } from '../../orders/event/order-cancelled.event.js';
import { OrderConfirmed } from '../../orders/event/order-confirmed.event.js';
import { Notification } from '../data/notification.entity.js';
import { OrderOutcomeHandler } from './order-outcome.handler.js';

const orderId = '0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7a';
const userId = '0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7b';

describe('OrderOutcomeHandler', () => {
  let database: DataSource;
  let bus: RecordingEventBus;

  beforeEach(async () => {
    database = await new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [Notification],
      synchronize: true,
    }).initialize();
    bus = new RecordingEventBus({ database });
  });
  afterEach(() => database.destroy());

  const notify = () =>
    HandlerSpecification.for(new OrderOutcomeHandler(), 'notify', bus);

  it('tells the customer their order is confirmed, publishing nothing', async () => {
    const { delivered } = await notify()
      .given(new OrderConfirmed({ orderId, userId, totalCents: 5_000 }))
      .thenNothingPublished();

    expect(await database.manager.find(Notification)).toMatchObject([
      {
        userId,
        recipient: userId,
        subject: 'Your order is confirmed',
        body: `Order ${orderId} is confirmed.`,
        eventId: delivered.id,
      },
    ]);
  });

  it('tells the customer why their order was cancelled', async () => {
    await notify()
      .given(
        new OrderCancelled({
          orderId,
          userId,
          step: 'charge_payment',
          reason: 'payment declined',
        }),
      )
      .thenNothingPublished();

    const [message] = await database.manager.find(Notification);
    expect(message.body).toBe(
      `Order ${orderId} was cancelled: payment declined.`,
    );
  });
});
