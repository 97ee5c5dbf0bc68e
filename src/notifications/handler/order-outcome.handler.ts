import { Injectable } from '@nestjs/common';
import { uuidv7 } from '../../common/ids/uuid-v7.js';
import {
  OnDomainEvent,
  type StoredEvent,
  type TransactionalHandlerContext,
} from '../../events/index.js';
import { Notification } from '../data/notification.entity.js';

interface OrderOutcome {
  orderId: string;
  userId: string;
  reason?: string;
}

/**
 * The "notify" end of the order saga: tells the customer how their order ended. Subscribes by
 * event type (no import from the orders module); transactional, so each order gets exactly one
 * message; not replayable, so history never notifies twice. The customer's address is not known
 * here: the message goes to the user id, for a delivery channel to resolve.
 */
@Injectable()
export class OrderOutcomeHandler {
  @OnDomainEvent(['order.confirmed', 'order.cancelled'], {
    name: 'notifications.orders',
    transactional: true,
    replayable: false,
  })
  async notify(
    event: StoredEvent<OrderOutcome>,
    { transaction }: TransactionalHandlerContext,
  ): Promise<void> {
    const { orderId, userId, reason } = event.data;
    const confirmed = event.type === 'order.confirmed';
    await transaction.manager.insert(Notification, {
      id: uuidv7(),
      userId,
      channel: 'email',
      recipient: userId,
      subject: confirmed
        ? 'Your order is confirmed'
        : 'Your order was cancelled',
      body: confirmed
        ? `Order ${orderId} is confirmed.`
        : `Order ${orderId} was cancelled: ${reason ?? 'no reason given'}.`,
      eventId: event.id,
    });
  }
}
