import { Injectable } from '@nestjs/common';
import {
  OnDomainEvent,
  type HandlerContext,
  type StoredEvent,
} from '../../events/index.js';
import { OrderSaga } from '../service/order.saga.js';

/**
 * Drives every order's saga: each event of an order's stream wakes it to take its next step.
 * Not replayable: replaying would only find settled sagas, but a saga must never be driven by
 * history. Retries cover database trouble and failing compensations; should an event still be
 * parked, the saga sweep finishes the order.
 */
@Injectable()
export class OrderSagaHandler {
  constructor(private readonly orderSaga: OrderSaga) {}

  @OnDomainEvent('order.*', {
    name: 'orders.saga',
    replayable: false,
    // Above the longest step (10s) plus compensations taken in the same call.
    timeout: '1m',
    retryCount: 10,
  })
  handle(event: StoredEvent, context: HandlerContext): Promise<void> {
    return this.orderSaga.saga.handle(event, context);
  }
}
