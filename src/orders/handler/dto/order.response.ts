import type { SagaHistoryEntry } from '../../../events/index.js';
import type { OrderStatus } from '../../data/order.entity.js';
import type { Product } from '../../data/product.entity.js';
import type { OrderDetails } from '../../service/orders.service.js';
import { orderStatusOf } from '../../service/order.saga.js';

export interface OrderResponse {
  id: string;
  user_id: string;
  /** pending → confirmed, or pending → cancelling → cancelled. */
  status: OrderStatus;
  /** The saga step running (or being compensated) now; null once the order is settled. */
  current_step: string | null;
  items: { product_id: string; quantity: number; price: number }[];
  total: number;
  /** Every step outcome and compensation, oldest first. */
  steps: SagaHistoryEntry[];
  /** Set when cancelled (or cancelling): the step that failed and why. */
  failed_step: string | null;
  reason: string | null;
  correlation_id: string | null;
  reservations?: { product_id: string; quantity: number; status: string }[];
  payment?: { id: string; amount: number; status: string } | null;
  created_at: string;
  updated_at: string;
}

export function toOrderResponse({
  order,
  saga,
  reservations,
  payment,
}: OrderDetails): OrderResponse {
  const response: OrderResponse = {
    id: order.id,
    user_id: order.userId,
    status: saga ? orderStatusOf(saga) : order.status,
    current_step: saga?.currentStep ?? null,
    items: order.items.map((line) => ({
      product_id: line.productId,
      quantity: line.quantity,
      price: line.priceCents / 100,
    })),
    total: order.totalCents / 100,
    steps: saga?.history ?? [],
    failed_step: saga?.failure?.step ?? null,
    reason: saga?.failure?.reason ?? null,
    correlation_id: saga?.correlationId ?? null,
    created_at: new Date(order.createdAt).toISOString(),
    updated_at: new Date(saga?.updatedAt ?? order.updatedAt).toISOString(),
  };
  if (reservations)
    response.reservations = reservations.map((line) => ({
      product_id: line.productId,
      quantity: line.quantity,
      status: line.status,
    }));
  if (payment !== undefined)
    response.payment = payment && {
      id: payment.id,
      amount: payment.amountCents / 100,
      status: payment.status,
    };
  return response;
}

export function toProductResponse(product: Product) {
  return {
    id: product.id,
    name: product.name,
    price: product.priceCents / 100,
    stock: product.stock,
  };
}
