import { Injectable, Module } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { GroupCommitWriter } from '../src/events/bus/writer/group-commit-writer.js';
import {
  EventsModule,
  OnDomainEvent,
  UnitOfWork,
  type StoredEvent,
} from '../src/events/index.js';
import { allEvents, type CloudEvent } from './support/http.js';
import { ProbeModule } from './support/probe.module.js';
import { eventually, useTestApp } from './support/test-app.js';

/** Answers each `ctx.request` with a `ctx.reply` appended in a unit of work of its own. */
@Injectable()
class ReplyingHandler {
  constructor(private readonly uow: UnitOfWork) {}

  @OnDomainEvent('ctx.request', { name: 'ctx.reply' })
  async reply(event: StoredEvent): Promise<void> {
    await this.uow.run((tx) =>
      tx.append({ type: 'ctx.reply', data: { for: event.id } }),
    );
  }
}

@Module({ imports: [EventsModule], providers: [ReplyingHandler] })
class ReplyingModule {}

const CLOUDEVENTS_BATCH = 'application/cloudevents-batch+json';

/**
 * Many overlapping requests, each with its own X-Correlation-Id, committed together in the
 * same groups: every id must find exactly its own events, whichever caller started the group.
 */
describe('context of overlapping requests', () => {
  const api = useTestApp({}, { imports: [ProbeModule, ReplyingModule] });

  /**
   * Runs `requests` while the writer is held by a unit of the test's own (no context), so every
   * request's work waits in the queue and they commit together in one group afterwards.
   */
  async function inOneGroup<T>(requests: () => Promise<T>[]): Promise<T[]> {
    const writer = api.app.get(GroupCommitWriter);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const holding = writer.runUnit(() => gate, { timeoutMs: null });
    const started = requests();
    await eventually(() => writer.pending > started.length / 2, {
      what: 'requests to queue behind the held writer',
    });
    release();
    await holding;
    return Promise.all(started);
  }

  const byCorrelation = (id: string) => allEvents(api, { correlation_id: id });

  it('gives every user registration its own request id, whatever group it commits in', async () => {
    const ids = Array.from({ length: 32 }, (_, i) => `signup-${i}`);
    const responses = await inOneGroup(() =>
      ids.map((id, i) =>
        api.request({
          method: 'POST',
          url: '/users',
          payload: { email: `ctx-${i}@example.com`, name: `C${i}` },
          headers: { 'x-correlation-id': id },
        }),
      ),
    );
    for (const [i, response] of responses.entries()) {
      expect(response.statusCode, response.body).toBe(201);
      const events = await byCorrelation(ids[i]);
      expect(events.map((event) => event.type)).toEqual(['user.registered']);
      expect(events[0].streamid).toBe(`user-${response.json().id}`);
    }
  });

  it('keeps single and batch publishes (JSON and CloudEvents) with their own ids', async () => {
    const ids = Array.from({ length: 24 }, (_, i) => `publish-${i}`);
    const responses = await inOneGroup(() =>
      ids.map((id, i) =>
        i % 2 === 0
          ? api.request({
              method: 'POST',
              url: '/events',
              payload: { type: 'ctx.single', data: { i } },
              headers: { 'x-correlation-id': id },
            })
          : api.request({
              method: 'POST',
              url: '/events',
              payload: [0, 1, 2].map((n) => ({
                specversion: '1.0',
                id: `${id}-${n}`,
                source: '/ctx-test',
                type: 'ctx.batch',
                data: { i, n },
              })),
              headers: {
                'content-type': CLOUDEVENTS_BATCH,
                'x-correlation-id': id,
              },
            }),
      ),
    );
    for (const [i, response] of responses.entries()) {
      expect(response.statusCode, response.body).toBe(201);
      const events = await byCorrelation(ids[i]);
      if (i % 2 === 0) {
        expect(events.map((event) => event.data)).toEqual([{ i }]);
      } else {
        expect(events.map((event) => event.id)).toEqual(
          [0, 1, 2].map((n) => `${ids[i]}-${n}`),
        );
      }
    }
  });

  it('gives events published by handlers the correlation of the request and the handled event as cause', async () => {
    const ids = Array.from({ length: 16 }, (_, i) => `chain-${i}`);
    const responses = await inOneGroup(() =>
      ids.map((id, i) =>
        api.request({
          method: 'POST',
          url: '/events',
          payload: { type: i % 2 ? 'ctx.request' : 'probe.ping' },
          headers: { 'x-correlation-id': id },
        }),
      ),
    );
    const requests = responses.map((response) => {
      expect(response.statusCode, response.body).toBe(201);
      return response.json<CloudEvent>();
    });
    for (const [i, request] of requests.entries()) {
      const events = await eventually(
        async () => {
          const found = await byCorrelation(ids[i]);
          return found.length === 2 ? found : undefined;
        },
        { what: `the answer to ${ids[i]}` },
      );
      const [first, answer] = events;
      expect(first.id).toBe(request.id);
      expect(answer.type).toBe(i % 2 ? 'ctx.reply' : 'probe.pong');
      expect(answer.causationid).toBe(request.id);
      if (i % 2) expect(answer.data).toEqual({ for: request.id });
      else expect(answer.data).toEqual({ ping: request.id });
    }
  });

  it('keeps every order saga, step by step, on its own request id with causes inside its own chain', async () => {
    const ids = Array.from({ length: 16 }, (_, i) => `checkout-${i}`);
    const responses = await inOneGroup(() =>
      ids.map((id, i) =>
        api.request({
          method: 'POST',
          url: '/orders',
          payload: {
            user_id: '0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7a',
            // Odd orders exceed the payment limit (or the stock): their sagas compensate.
            items:
              i % 2
                ? [{ product_id: 'gadget', quantity: 100, price: 120 }]
                : [{ product_id: 'widget', quantity: 1, price: 25 }],
          },
          headers: { 'x-correlation-id': id },
        }),
      ),
    );
    const orders = responses.map((response) => {
      expect(response.statusCode, response.body).toBe(202);
      return response.json<{ id: string }>();
    });
    for (const [i, order] of orders.entries()) {
      const final = i % 2 ? 'order.cancelled' : 'order.confirmed';
      const events = await eventually(
        async () => {
          const found = await byCorrelation(ids[i]);
          return found.some((event) => event.type === final)
            ? found
            : undefined;
        },
        { what: `order ${i} to settle`, timeoutMs: 15_000 },
      );
      const types = events.map((event) => event.type);
      expect(types[0]).toBe('order.placed');
      if (i % 2) {
        // Declined at payment, or at reservation once the gadgets run out: compensated either way.
        expect(types).toContain('order.step_failed');
        expect(types[types.length - 1]).toBe('order.cancelled');
      } else {
        expect(types).toEqual([
          'order.placed',
          'order.stock_reserved',
          'order.payment_charged',
          'order.confirmed',
        ]);
      }
      const ownIds = new Set(events.map((event) => event.id));
      for (const event of events) {
        expect(event.data.orderId ?? event.data.order_id).toBe(order.id);
        if (event !== events[0])
          expect(ownIds.has(event.causationid as string)).toBe(true);
      }
    }
  });
});
