import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { useChildApps, type ChildApp } from './support/child-app.js';
import { httpJson, walkOffsetPages, walkPages } from './support/real-http.js';
import { seededRandom } from './support/seeded-random.js';

const ROUNDS = 4;
const CONCURRENCY = 8;
const MAX_ORDERS_PER_ROUND = 400;
const USER = '0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7a';
const INITIAL_STOCK: Record<string, number> = {
  widget: 1_000,
  gadget: 500,
  gizmo: 100,
  'sold-out': 0,
};
const PRICES: Record<string, number> = {
  widget: 25,
  gadget: 120,
  gizmo: 4_000,
  'sold-out': 15,
};

const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

interface OrderBody {
  id: string;
  status: string;
  total: number;
  items: { product_id: string; quantity: number }[];
  reservations: { product_id: string; quantity: number; status: string }[];
  payment: { amount: number; status: string } | null;
  failed_step: string | null;
}

describe('crash safety: SIGKILL in the middle of order sagas', () => {
  const apps = useChildApps();

  it('settles every order after restarts: confirmed, or cancelled with its stock released and its payment refunded', async () => {
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 2 ** 31);
    const random = seededRandom(seed);
    const context = (what: string) => `${what} (CRASH_SEED=${seed})`;
    const accepted = new Set<string>();
    const unexpected: string[] = [];
    let unfinishedAtKills = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const child: ChildApp = await apps.start();
      let stopped = false;
      let placed = 0;
      const worker = async () => {
        while (!stopped && placed < MAX_ORDERS_PER_ROUND) {
          placed++;
          try {
            const answer = await httpJson(child.baseUrl, 'POST', '/orders', {
              user_id: USER,
              items: randomItems(random),
            });
            if (answer.status === 202) accepted.add(answer.body.id);
            else if (answer.status !== 503)
              unexpected.push(
                `${answer.status} ${JSON.stringify(answer.body)}`,
              );
          } catch {
            // Killed while the request was in flight: no answer.
            await sleep(5);
          }
        }
      };
      const load = Promise.all(Array.from({ length: CONCURRENCY }, worker));
      await sleep(300 + Math.floor(random() * 1_200));
      const exit = await child.kill('SIGKILL');
      stopped = true;
      await load;
      expect(exit.signal, context('killed by SIGKILL')).toBe('SIGKILL');
      unfinishedAtKills += unfinishedSagas(apps.databasePath);
    }

    expect(unexpected, context('only 202, 503 or no answer')).toEqual([]);
    expect(accepted.size, context('orders accepted')).toBeGreaterThan(0);
    // The kills landed inside sagas: some were left half done in the database.
    expect(
      unfinishedAtKills,
      context('sagas unfinished at a kill'),
    ).toBeGreaterThan(0);

    const child = await apps.start();
    const orders = await settledOrders(child.baseUrl);
    const byId = new Map(orders.map((order) => [order.id, order]));
    const missing = [...accepted].filter((id) => !byId.has(id));
    expect(missing, context('accepted orders missing')).toEqual([]);

    const sold: Record<string, number> = {};
    const problems: string[] = [];
    for (const summary of orders) {
      const answer = await httpJson(
        child.baseUrl,
        'GET',
        `/orders/${summary.id}`,
      );
      const order = answer.body as OrderBody;
      if (order.status === 'confirmed') {
        if (
          order.payment?.status !== 'charged' ||
          order.payment.amount !== order.total
        )
          problems.push(
            `${order.id} confirmed without its charge: ${JSON.stringify(order.payment)}`,
          );
        if (
          order.reservations.length !== order.items.length ||
          order.reservations.some((r) => r.status !== 'committed')
        )
          problems.push(
            `${order.id} confirmed without its stock: ${JSON.stringify(order.reservations)}`,
          );
        for (const line of order.reservations)
          sold[line.product_id] = (sold[line.product_id] ?? 0) + line.quantity;
      } else if (order.status === 'cancelled') {
        if (order.payment && order.payment.status !== 'refunded')
          problems.push(`${order.id} cancelled but still charged`);
        if (order.reservations.some((r) => r.status !== 'released'))
          problems.push(
            `${order.id} cancelled but still holds stock: ${JSON.stringify(order.reservations)}`,
          );
      } else {
        problems.push(`${order.id} is ${order.status}`);
      }
    }
    expect(problems, context('orders in an inconsistent state')).toEqual([]);

    // Stock: what is on the shelf plus what was sold is what there was.
    const products = (await httpJson(child.baseUrl, 'GET', '/products')).body
      .products as { id: string; stock: number }[];
    for (const product of products)
      expect(
        product.stock + (sold[product.id] ?? 0),
        context(`${product.id} stock`),
      ).toBe(INITIAL_STOCK[product.id]);

    // Each order's stream ends once, with order.confirmed or order.cancelled.
    const endings = new Map<string, string[]>();
    for (const type of ['order.confirmed', 'order.cancelled']) {
      for (const event of await walkPages<{ data: { orderId: string } }>(
        child.baseUrl,
        `/events?type=${type}`,
        'events',
      )) {
        const list = endings.get(event.data.orderId) ?? [];
        list.push(type);
        endings.set(event.data.orderId, list);
      }
    }
    const badEndings = orders
      .map(
        (order) =>
          [order.id, order.status, endings.get(order.id) ?? []] as const,
      )
      .filter(
        ([, status, ends]) =>
          ends.length !== 1 || ends[0] !== `order.${status}`,
      );
    expect(
      badEndings,
      context('orders without exactly one ending event'),
    ).toEqual([]);

    const exit = await child.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
  }, 240_000);
});

function randomItems(random: () => number) {
  const roll = random();
  // Mostly orders that go through; some declined (over the limit), some out of stock.
  const items =
    roll < 0.1
      ? [{ product_id: 'gizmo', quantity: 3 }]
      : roll < 0.2
        ? [
            { product_id: 'widget', quantity: 1 },
            { product_id: 'sold-out', quantity: 1 },
          ]
        : roll < 0.6
          ? [{ product_id: 'widget', quantity: 1 + Math.floor(random() * 3) }]
          : [
              { product_id: 'widget', quantity: 1 },
              { product_id: 'gadget', quantity: 1 },
            ];
  return items.map((item) => ({ ...item, price: PRICES[item.product_id] }));
}

/** Sagas neither completed nor cancelled, read straight from the file of the killed process. */
function unfinishedSagas(path: string): number {
  const db = new Database(path);
  try {
    const row = db
      .prepare(
        "SELECT count(*) AS n FROM sagas WHERE status NOT IN ('completed', 'cancelled')",
      )
      .get() as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

/** Every order once none is pending or cancelling any more. */
async function settledOrders(
  baseUrl: string,
): Promise<{ id: string; status: string }[]> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const orders = await walkOffsetPages<{ id: string; status: string }>(
      baseUrl,
      '/orders',
      'orders',
    );
    const open = orders.filter(
      (o) => o.status === 'pending' || o.status === 'cancelling',
    );
    if (open.length === 0) return orders;
    if (Date.now() > deadline)
      throw new Error(
        `orders still open after restart: ${open.map((o) => `${o.id} ${o.status}`).join(', ')}`,
      );
    await sleep(200);
  }
}
