import { describe, expect, it } from 'vitest';
import {
  allEvents,
  eventCount,
  expectClientError,
  getJson,
  publish,
  type CloudEvent,
} from './support/http.js';
import { ProbeModule } from './support/probe.module.js';
import { eventually, useTestApp } from './support/test-app.js';

describe('correlation ids', () => {
  const api = useTestApp({}, { imports: [ProbeModule] });

  it('echoes X-Correlation-Id and stores it as the correlationid of the published event', async () => {
    const response = await publish(
      api,
      { type: 'shop.order_placed' },
      { 'x-correlation-id': 'checkout-7f3a:step/1' },
    );

    expect(response.statusCode).toBe(201);
    expect(response.headers['x-correlation-id']).toBe('checkout-7f3a:step/1');
    const event = response.json<CloudEvent>();
    expect(event.correlationid).toBe('checkout-7f3a:step/1');
    expect((await getJson(api, `/events/${event.id}`)).correlationid).toBe(
      'checkout-7f3a:step/1',
    );
  });

  it('gives the events of a user write the request correlation id', async () => {
    const response = await api.request({
      method: 'POST',
      url: '/users',
      payload: { email: 'corr@example.com', name: 'C' },
      headers: { 'x-correlation-id': 'signup-42' },
    });

    expect(response.statusCode).toBe(201);
    expect(response.headers['x-correlation-id']).toBe('signup-42');
    const [event] = await allEvents(api, {
      aggregate_id: `user-${response.json().id}`,
    });
    expect(event.correlationid).toBe('signup-42');
  });

  it('generates a correlation id when none is sent, answers it and stores it', async () => {
    const first = await publish(api, { type: 'shop.order_placed' });
    const second = await publish(api, { type: 'shop.order_placed' });

    const header = first.headers['x-correlation-id'];
    expect(typeof header).toBe('string');
    expect(header).toMatch(/^[A-Za-z0-9._:@/+=-]{1,128}$/);
    expect(first.json().correlationid).toBe(header);
    expect(second.headers['x-correlation-id']).not.toBe(header);
  });

  it('echoes the correlation id on reads too', async () => {
    const response = await api.request({
      method: 'GET',
      url: '/events',
      headers: { 'x-correlation-id': 'read-1' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-correlation-id']).toBe('read-1');
  });

  it.each([
    ['300 characters', 'c'.repeat(300)],
    ['spaces', 'has spaces in it'],
    ['a semicolon', 'a;b'],
  ])(
    'refuses a header with %s with 400 and stores nothing',
    async (_case, value) => {
      const before = await eventCount(api);

      const event = await publish(
        api,
        { type: 'shop.order_placed' },
        { 'x-correlation-id': value },
      );
      const user = await api.request({
        method: 'POST',
        url: '/users',
        payload: { email: 'bad-corr@example.com', name: 'B' },
        headers: { 'x-correlation-id': value },
      });

      expectClientError(event, 400, 'x-correlation-id');
      expectClientError(user, 400, 'x-correlation-id');
      expect(await eventCount(api)).toBe(before);
    },
  );

  it('accepts a correlation id of exactly 128 characters', async () => {
    const id = 'k'.repeat(128);
    const response = await publish(
      api,
      { type: 'shop.order_placed' },
      { 'x-correlation-id': id },
    );
    expect(response.statusCode).toBe(201);
    expect(response.json().correlationid).toBe(id);
  });

  describe('events published by handlers', () => {
    const chainOf = (correlation: string) =>
      eventually(
        async () => {
          const events = await allEvents(api, { correlation_id: correlation });
          return events.length >= 2 ? events : undefined;
        },
        { what: `the pong of ${correlation}` },
      );

    it('inherit the correlation id and take the handled event as causation', async () => {
      const ping = (
        await publish(
          api,
          { type: 'probe.ping', data: { n: 1 } },
          { 'x-correlation-id': 'chain-1' },
        )
      ).json<CloudEvent>();
      expect(ping.causationid).toBeUndefined();

      const chain = await chainOf('chain-1');

      expect(chain.map((event) => event.type)).toEqual([
        'probe.ping',
        'probe.pong',
      ]);
      const pong = chain[1];
      expect(pong).toMatchObject({
        correlationid: 'chain-1',
        causationid: ping.id,
        data: { ping: ping.id },
      });
      expect(pong.position).toBeGreaterThan(ping.position);
    });

    it('inherit a generated correlation id as well', async () => {
      const response = await publish(api, { type: 'probe.ping' });
      const ping = response.json<CloudEvent>();
      expect(ping.correlationid).toBe(response.headers['x-correlation-id']);

      const chain = await chainOf(ping.correlationid);

      expect(chain[1]).toMatchObject({
        type: 'probe.pong',
        causationid: ping.id,
      });
    });

    it('can be followed end to end in the audit log', async () => {
      const ping = (
        await publish(
          api,
          { type: 'probe.ping' },
          { 'x-correlation-id': 'chain-audit' },
        )
      ).json<CloudEvent>();

      const entries = await eventually(
        async () => {
          const body = await getJson(api, '/audit?correlation_id=chain-audit');
          return body.entries.length === 2 ? body.entries : undefined;
        },
        { what: 'both audit entries' },
      );

      expect(entries).toMatchObject([
        { type: 'probe.ping', event_id: ping.id, causation_id: null },
        {
          type: 'probe.pong',
          correlation_id: 'chain-audit',
          causation_id: ping.id,
        },
      ]);
    });
  });
});
