import { NotFoundError } from '../../common/errors/domain-error.js';

export class OrderNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`order ${id} not found`, { id });
  }
}

/** The inventory cannot reserve an order's items: the reserve step fails. */
export class OutOfStockError extends Error {
  constructor(productId: string, wanted: number, available: number) {
    super(
      `out of stock: ${wanted} × ${productId} wanted, ${available} available`,
    );
    this.name = 'OutOfStockError';
  }
}

/** The payment service refuses the charge: the payment step fails. */
export class PaymentDeclinedError extends Error {
  constructor(amountCents: number, limitCents: number) {
    super(
      `payment declined: ${formatCents(amountCents)} is over the limit of ${formatCents(limitCents)}`,
    );
    this.name = 'PaymentDeclinedError';
  }
}

export function formatCents(cents: number): string {
  return (cents / 100).toFixed(2);
}
