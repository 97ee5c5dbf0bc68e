import { afterEach, describe, expect, it, vi } from 'vitest';
import { InventoryService } from '../src/orders/service/inventory.service.js';
import {
  allEvents,
  expectClientError,
  getJson,
  type CloudEvent,
} from './support/http.js';
import { eventually, useTestApp } from './support/test-app.js';

const USER = '0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7a';
const UNKNOWN_ID = '0190f6c4-8d55-7cc1-a1c1-000000000000';

interface OrderBody {
  id: string;
  user_id: string;
  status: string;
  current_step: string | null;
  items: { product_id: string; quantity: number; price: number }[];
  total: number;
  steps: {
    step: string;
    action: string;
    status: string;
    at: string;
    error?: string;
  }[];
  failed_step: string | null;
  reason: string | null;
  correlation_id: string;
  reservations: { product_id: string; quantity: number; status: string }[];
  payment: { id: string; amount: number; status: string } | null;
}

describe('orders saga', () => {
  const api = useTestApp();

  afterEach(() => {
    vi.restoreAllMocks();
  });

  const place = (payload: unknown) =>
    api.request({ method: 'POST', url: '/orders', payload });
  const stock = async (): Promise<Record<string, number>> => {
    const body = await getJson<{ products: { id: string; stock: number }[] }>(
      api,
      '/products',
    );
    return Object.fromEntries(body.products.map((p) => [p.id, p.stock]));
  };
  /** Places an order (202) and waits until its saga has settled. */
  const settled = async (
    items: { product_id: string; quantity: number; price: number }[],
  ): Promise<OrderBody> => {
    const response = await place({ user_id: USER, items });
    expect(response.statusCode, response.body).toBe(202);
    const accepted = response.json<OrderBody>();
    expect(accepted).toMatchObject({ status: 'pending', steps: [] });
    return eventually(
      async () => {
        const order = await getJson<OrderBody>(api, `/orders/${accepted.id}`);
        return order.status === 'confirmed' || order.status === 'cancelled'
          ? order
          : undefined;
      },
      { what: `order ${accepted.id} to settle` },
    );
  };
  const chain = async (order: OrderBody): Promise<CloudEvent[]> =>
    allEvents(api, { correlation_id: order.correlation_id });
  const orderEvents = async (order: OrderBody) =>
    (await chain(order))
      .filter((event) => event.type.startsWith('order.'))
      .map((event) => event.type);

  it('confirms an order: stock reserved then sold, payment charged, the chain under one correlation id', async () => {
    const before = await stock();
    const order = await settled([
      { product_id: 'widget', quantity: 2, price: 25 },
      { product_id: 'gadget', quantity: 1, price: 120 },
    ]);

    expect(order).toMatchObject({
      status: 'confirmed',
      current_step: null,
      total: 170,
      failed_step: null,
      reason: null,
      payment: { amount: 170, status: 'charged' },
    });
    expect(order.steps.map((s) => [s.step, s.action, s.status])).toEqual([
      ['reserve_stock', 'run', 'completed'],
      ['charge_payment', 'run', 'completed'],
      ['confirm', 'run', 'completed'],
    ]);
    expect(order.reservations).toEqual([
      { product_id: 'gadget', quantity: 1, status: 'committed' },
      { product_id: 'widget', quantity: 2, status: 'committed' },
    ]);
    const after = await stock();
    expect(after.widget).toBe(before.widget - 2);
    expect(after.gadget).toBe(before.gadget - 1);

    const events = await chain(order);
    expect(
      events
        .filter((event) => event.streamid === `order-${order.id}`)
        .map((event) => [event.type, event.streamversion]),
    ).toEqual([
      ['order.placed', 1],
      ['order.stock_reserved', 2],
      ['order.payment_charged', 3],
      ['order.confirmed', 4],
    ]);
    // Each event was caused by the one before it.
    const own = events.filter((e) => e.streamid === `order-${order.id}`);
    for (let i = 1; i < own.length; i++)
      expect(own[i].causationid).toBe(own[i - 1].id);
    expect(own[0].data).toMatchObject({
      orderId: order.id,
      userId: USER,
      totalCents: 17_000,
    });
  });

  it('cancels an order whose product has no stock; nothing was reserved, so nothing to undo', async () => {
    const before = await stock();
    const order = await settled([
      { product_id: 'widget', quantity: 1, price: 25 },
      { product_id: 'sold-out', quantity: 1, price: 15 },
    ]);

    expect(order).toMatchObject({
      status: 'cancelled',
      failed_step: 'reserve_stock',
      reason: expect.stringContaining('out of stock'),
      reservations: [],
      payment: null,
    });
    expect(order.steps.map((s) => [s.step, s.action, s.status])).toEqual([
      ['reserve_stock', 'run', 'failed'],
      ['reserve_stock', 'compensate', 'completed'],
    ]);
    expect(await orderEvents(order)).toEqual([
      'order.placed',
      'order.step_failed',
      'order.cancelled',
    ]);
    expect(await stock()).toEqual(before);
  });

  it('releases the stock when the payment is declined (over 10,000.00)', async () => {
    const before = await stock();
    const order = await settled([
      { product_id: 'gizmo', quantity: 3, price: 4000 },
    ]);

    expect(order).toMatchObject({
      status: 'cancelled',
      total: 12_000,
      failed_step: 'charge_payment',
      reason: expect.stringContaining('payment declined'),
      reservations: [{ product_id: 'gizmo', quantity: 3, status: 'released' }],
      payment: null,
    });
    expect(order.steps.map((s) => [s.step, s.action, s.status])).toEqual([
      ['reserve_stock', 'run', 'completed'],
      ['charge_payment', 'run', 'failed'],
      ['charge_payment', 'compensate', 'completed'],
      ['reserve_stock', 'compensate', 'completed'],
    ]);
    expect(await orderEvents(order)).toEqual([
      'order.placed',
      'order.stock_reserved',
      'order.step_failed',
      'order.stock_released',
      'order.cancelled',
    ]);
    const cancelled = (await chain(order)).find(
      (e) => e.type === 'order.cancelled',
    );
    expect(cancelled?.data).toMatchObject({
      orderId: order.id,
      step: 'charge_payment',
      reason: expect.stringContaining('over the limit of 10000.00'),
    });
    expect(await stock()).toEqual(before);
  });

  it('refunds the payment, then releases the stock, when the confirm step fails', async () => {
    const inventory = api.app.get(InventoryService);
    vi.spyOn(inventory, 'commit').mockRejectedValueOnce(
      new Error('warehouse unreachable'),
    );
    const before = await stock();
    const order = await settled([
      { product_id: 'widget', quantity: 4, price: 25 },
    ]);

    expect(order).toMatchObject({
      status: 'cancelled',
      failed_step: 'confirm',
      reason: 'warehouse unreachable',
      reservations: [{ product_id: 'widget', quantity: 4, status: 'released' }],
      payment: { amount: 100, status: 'refunded' },
    });
    expect(order.steps.map((s) => [s.step, s.action, s.status])).toEqual([
      ['reserve_stock', 'run', 'completed'],
      ['charge_payment', 'run', 'completed'],
      ['confirm', 'run', 'failed'],
      ['charge_payment', 'compensate', 'completed'],
      ['reserve_stock', 'compensate', 'completed'],
    ]);
    expect(await orderEvents(order)).toEqual([
      'order.placed',
      'order.stock_reserved',
      'order.payment_charged',
      'order.step_failed',
      'order.payment_refunded',
      'order.stock_released',
      'order.cancelled',
    ]);
    expect(await stock()).toEqual(before);
  });

  it('notifies the customer of a confirmed and of a cancelled order', async () => {
    const confirmed = await settled([
      { product_id: 'widget', quantity: 1, price: 25 },
    ]);
    const cancelled = await settled([
      { product_id: 'sold-out', quantity: 1, price: 15 },
    ]);
    const notifications = await eventually(
      async () => {
        const body = await getJson<{
          notifications: { subject: string; body: string }[];
        }>(api, `/notifications?user_id=${USER}&limit=100`);
        const mine = body.notifications.filter(
          (n) => n.body.includes(confirmed.id) || n.body.includes(cancelled.id),
        );
        return mine.length === 2 ? mine : undefined;
      },
      { what: 'two order notifications' },
    );
    expect(notifications.map((n) => n.subject).sort()).toEqual([
      'Your order is confirmed',
      'Your order was cancelled',
    ]);
  });

  describe('POST /orders: validation', () => {
    const valid = { product_id: 'widget', quantity: 1, price: 25 };

    it.each([
      ['user_id', { items: [valid] }],
      ['user_id', { user_id: 'nope', items: [valid] }],
      ['items', { user_id: USER }],
      ['items', { user_id: USER, items: [] }],
      [
        'items.0.quantity',
        { user_id: USER, items: [{ ...valid, quantity: 0 }] },
      ],
      [
        'items.0.quantity',
        { user_id: USER, items: [{ ...valid, quantity: 1.5 }] },
      ],
      [
        'items.0.price',
        { user_id: USER, items: [{ ...valid, price: 25.001 }] },
      ],
      ['items.0.price', { user_id: USER, items: [{ ...valid, price: '25' }] }],
      // Written 1e-7 by toString(): class-validator's maxDecimalPlaces threw on it (500).
      ['items.0.price', { user_id: USER, items: [{ ...valid, price: 1e-7 }] }],
      [
        'items.0.product_id',
        { user_id: USER, items: [{ quantity: 1, price: 25 }] },
      ],
      [
        'items.1.product_id',
        { user_id: USER, items: [valid, { ...valid, product_id: 'nothing' }] },
      ],
      ['items.1.product_id', { user_id: USER, items: [valid, valid] }],
      ['items.0.price', { user_id: USER, items: [{ ...valid, price: 20 }] }],
      ['extra', { user_id: USER, items: [valid], extra: 1 }],
    ])('refuses a body with a bad %s, storing nothing', async (field, body) => {
      const before = await allEvents(api);
      const ordersBefore = await getJson(api, '/orders');
      expectClientError(await place(body), 400, field);
      expect((await allEvents(api)).length).toBe(before.length);
      expect((await getJson(api, '/orders')).total).toBe(ordersBefore.total);
    });
  });

  describe('GET /orders', () => {
    it('answers 404 for an unknown order and 400 for a malformed id', async () => {
      expectClientError(
        await api.request({ method: 'GET', url: `/orders/${UNKNOWN_ID}` }),
        404,
      );
      expectClientError(
        await api.request({ method: 'GET', url: '/orders/not-a-uuid' }),
        400,
        'id',
      );
    });

    it('lists orders newest first, filtered by status, paginated', async () => {
      const all = await getJson(api, '/orders?limit=100');
      expect(all.total).toBeGreaterThanOrEqual(6);
      const created = all.orders.map(
        (o: { created_at: string }) => o.created_at,
      );
      expect([...created].sort().reverse()).toEqual(created);
      const cancelled = await getJson(api, '/orders?status=cancelled&limit=2');
      expect(cancelled.orders).toHaveLength(2);
      expect(
        cancelled.orders.every((o: OrderBody) => o.status === 'cancelled'),
      ).toBe(true);
      expectClientError(
        await api.request({ method: 'GET', url: '/orders?status=lost' }),
        400,
        'status',
      );
    });
  });
});
