import type { Transaction } from '../bus/transaction.js';
import type { StoredEvent } from '../store/stored-event.js';

export interface HandlerContext {
  readonly subscription: string;
  /** 1 on first delivery, then 2, 3... on retries. */
  readonly attempt: number;
  /** Aborted when the handler exceeds its timeout; pass it to fetch() and friends. */
  readonly signal: AbortSignal;
  /** True when the event is re-delivered by a replay rather than by live dispatch. */
  readonly replay: boolean;
  /** Set for transactional subscriptions: write through it to commit with the checkpoint. */
  readonly transaction?: Transaction;
}

export interface TransactionalHandlerContext extends HandlerContext {
  readonly transaction: Transaction;
}

export type DomainEventHandler = (
  event: StoredEvent,
  context: HandlerContext,
) => unknown;

export type DomainEventsHandler = (
  events: StoredEvent[],
  context: HandlerContext,
) => unknown;

/** Creates the AbortController only for handlers that look at the signal. */
export class DeliveryContext implements HandlerContext {
  private controller?: AbortController;

  constructor(
    readonly subscription: string,
    readonly attempt: number,
    readonly replay: boolean,
    readonly transaction?: Transaction,
  ) {}

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  abort(reason: Error): void {
    this.controller ??= new AbortController();
    this.controller.abort(reason);
  }
}
