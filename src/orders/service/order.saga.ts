import { Injectable } from '@nestjs/common';
import {
  defineSaga,
  SagaOrchestrator,
  type Saga,
  type SagaDefinition,
  type SagaStateView,
  type Transaction,
} from '../../events/index.js';
import {
  Order,
  type OrderLine,
  type OrderStatus,
} from '../data/order.entity.js';
import { OrderCancelled } from '../event/order-cancelled.event.js';
import { OrderConfirmed } from '../event/order-confirmed.event.js';
import { OrderPaymentCharged } from '../event/order-payment-charged.event.js';
import { OrderPaymentRefunded } from '../event/order-payment-refunded.event.js';
import { OrderStepFailed } from '../event/order-step-failed.event.js';
import { OrderStockReleased } from '../event/order-stock-released.event.js';
import { OrderStockReserved } from '../event/order-stock-reserved.event.js';
import { InventoryService, type StockLine } from './inventory.service.js';
import { PaymentService, type Charge } from './payment.service.js';

/** What the order saga carries from step to step. */
export interface OrderSagaData {
  orderId: string;
  userId: string;
  items: OrderLine[];
  totalCents: number;
}

export type OrderSagaState = SagaStateView<OrderSagaData>;

/** The saga's events live in the stream `order-<id>`. */
export const ORDER_SAGA = 'order';

const STATUS: Record<SagaStateView<unknown>['status'], OrderStatus> = {
  running: 'pending',
  compensating: 'cancelling',
  completed: 'confirmed',
  cancelled: 'cancelled',
};

/**
 * The order saga (placed by OrdersService, which also emits order.placed):
 *
 *   reserve_stock  → order.stock_reserved    undo: release the stock → order.stock_released
 *   charge_payment → order.payment_charged   undo: refund            → order.payment_refunded
 *   confirm        → order.confirmed         (the stock is sold)
 *
 * A failing step emits order.step_failed; its compensation and those of the steps before it
 * run in reverse order, then order.cancelled carries the reason. Notifying the customer is
 * the notifications module's reaction to order.confirmed / order.cancelled.
 */
@Injectable()
export class OrderSaga {
  readonly saga: Saga<OrderSagaData>;

  constructor(
    orchestrator: SagaOrchestrator,
    inventory: InventoryService,
    payments: PaymentService,
  ) {
    this.saga = orchestrator.register(orderSagaDefinition(inventory, payments));
  }
}

/** The saga's steps over the two services, and the events each transition emits. */
export function orderSagaDefinition(
  inventory: InventoryService,
  payments: PaymentService,
): SagaDefinition<OrderSagaData> {
  return defineSaga<OrderSagaData>({
    name: ORDER_SAGA,
    stepTimeout: '10s',
    steps: [
      {
        name: 'reserve_stock',
        run: ({ data, signal }) =>
          inventory.reserve(data.orderId, data.items, signal),
        compensate: ({ data }) => inventory.release(data.orderId),
        completed: ({ data }, items: StockLine[]) =>
          new OrderStockReserved({ orderId: data.orderId, items }),
        compensated: ({ data }, released) =>
          (released as StockLine[]).length > 0
            ? new OrderStockReleased({
                orderId: data.orderId,
                items: released as StockLine[],
              })
            : undefined,
      },
      {
        name: 'charge_payment',
        run: ({ data, signal }) =>
          payments.charge(data.orderId, data.totalCents, signal),
        compensate: ({ data }) => payments.refund(data.orderId),
        completed: ({ data }, charge: Charge) =>
          new OrderPaymentCharged({ orderId: data.orderId, ...charge }),
        compensated: ({ data }, refund) =>
          refund
            ? new OrderPaymentRefunded({
                orderId: data.orderId,
                ...(refund as Charge),
              })
            : undefined,
      },
      {
        name: 'confirm',
        run: ({ data, signal }) => inventory.commit(data.orderId, signal),
        completed: ({ data }) =>
          new OrderConfirmed({
            orderId: data.orderId,
            userId: data.userId,
            totalCents: data.totalCents,
          }),
      },
    ],
    failed: ({ data }, failure) =>
      new OrderStepFailed({ orderId: data.orderId, ...failure }),
    cancelled: ({ data }, failure) =>
      new OrderCancelled({
        orderId: data.orderId,
        userId: data.userId,
        ...failure,
      }),
    onTransition: (tx, state) => mirrorStatus(tx, state),
  });
}

/** The orders row mirrors its saga's status, in the same commit, for listings and filters. */
async function mirrorStatus(
  tx: Transaction,
  state: SagaStateView<OrderSagaData>,
): Promise<void> {
  await tx.manager.update(
    Order,
    { id: state.id },
    { status: STATUS[state.status], updatedAt: new Date(state.updatedAt) },
  );
}

export function orderStatusOf(state: SagaStateView<unknown>): OrderStatus {
  return STATUS[state.status];
}
