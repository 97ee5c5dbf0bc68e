import { describe, expect, it } from 'vitest';
import { SagaSpecification } from '../../events/testing/index.js';
import { OrderCancelled } from '../event/order-cancelled.event.js';
import { OrderConfirmed } from '../event/order-confirmed.event.js';
import { OrderPaymentCharged } from '../event/order-payment-charged.event.js';
import { OrderPaymentRefunded } from '../event/order-payment-refunded.event.js';
import { OrderStepFailed } from '../event/order-step-failed.event.js';
import { OrderStockReleased } from '../event/order-stock-released.event.js';
import { OrderStockReserved } from '../event/order-stock-reserved.event.js';
import type { InventoryService } from './inventory.service.js';
import { OutOfStockError, PaymentDeclinedError } from './order.errors.js';
import {
  orderSagaDefinition,
  orderStatusOf,
  type OrderSagaData,
} from './order.saga.js';
import type { PaymentService } from './payment.service.js';

const orderId = '0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7a';
const userId = '0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7b';
const paymentId = '0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7c';
const data: OrderSagaData = {
  orderId,
  userId,
  items: [{ productId: 'widget', quantity: 2, priceCents: 2_500 }],
  totalCents: 5_000,
};
const held = [{ productId: 'widget', quantity: 2 }];
const charge = { paymentId, amountCents: 5_000 };

// Transitions never run a step: the services behind the steps are not called.
const order = SagaSpecification.for(
  orderSagaDefinition({} as InventoryService, {} as PaymentService),
);

describe('the order saga', () => {
  describe('when every step succeeds', () => {
    it('reserves stock, then charges', () =>
      order
        .given({ data, step: 'reserve_stock' })
        .when({ completed: held })
        .then(
          {
            status: 'running',
            currentStep: 'charge_payment',
            results: { reserve_stock: held },
          },
          [new OrderStockReserved({ orderId, items: held })],
        ));

    it('charges, then confirms', () =>
      order
        .given({ data, step: 'charge_payment' })
        .when({ completed: charge })
        .then({ status: 'running', currentStep: 'confirm' }, [
          new OrderPaymentCharged({ orderId, ...charge }),
        ]));

    it('is confirmed once the stock is sold', () => {
      const { state } = order
        .given({ data, step: 'confirm' })
        .when({ completed: 1 })
        .then({ status: 'completed', currentStep: null }, [
          new OrderConfirmed({ orderId, userId, totalCents: 5_000 }),
        ]);

      expect(orderStatusOf(state)).toBe('confirmed');
    });
  });

  describe('when a step fails', () => {
    const declined = new PaymentDeclinedError(1_200_000, 1_000_000);
    const failure = { step: 'charge_payment', reason: declined.message };

    it('records the failure first, then undoes the failed step itself', () => {
      const { state } = order
        .given({ data, step: 'charge_payment' })
        .when({ failed: declined })
        .then(
          { status: 'compensating', currentStep: 'charge_payment', failure },
          [new OrderStepFailed({ orderId, ...failure })],
        );

      expect(orderStatusOf(state)).toBe('cancelling');
      expect(state.history.map(({ step, status }) => [step, status])).toEqual([
        ['charge_payment', 'failed'],
      ]);
    });

    it('moves on to the stock when there was no charge to refund', () =>
      order
        .given({
          data,
          step: 'charge_payment',
          status: 'compensating',
          failure,
        })
        .when({ compensated: null })
        .then({ status: 'compensating', currentStep: 'reserve_stock' }, []));

    it('refunds a charge that had landed', () =>
      order
        .given({
          data,
          step: 'charge_payment',
          status: 'compensating',
          failure,
        })
        .when({ compensated: charge })
        .then({ currentStep: 'reserve_stock' }, [
          new OrderPaymentRefunded({ orderId, ...charge }),
        ]));

    it('is cancelled, with the reason, once the stock is released', () => {
      const { state } = order
        .given({ data, step: 'reserve_stock', status: 'compensating', failure })
        .when({ compensated: held })
        .then({ status: 'cancelled', currentStep: null }, [
          new OrderStockReleased({ orderId, items: held }),
          new OrderCancelled({ orderId, userId, ...failure }),
        ]);

      expect(orderStatusOf(state)).toBe('cancelled');
    });

    it('is cancelled without order.stock_released when no stock was held', () => {
      const outOfStock = new OutOfStockError('sold-out', 1, 0);
      const noStock = { step: 'reserve_stock', reason: outOfStock.message };

      order
        .given({ data, step: 'reserve_stock' })
        .when({ failed: outOfStock })
        .then({ status: 'compensating', currentStep: 'reserve_stock' }, [
          new OrderStepFailed({ orderId, ...noStock }),
        ]);
      order
        .given({
          data,
          step: 'reserve_stock',
          status: 'compensating',
          failure: noStock,
        })
        .when({ compensated: [] })
        .then({ status: 'cancelled' }, [
          new OrderCancelled({ orderId, userId, ...noStock }),
        ]);
    });
  });
});
