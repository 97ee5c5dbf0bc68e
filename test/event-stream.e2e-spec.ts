import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSse, type SseClient } from './support/sse.js';
import { eventually, useTestApp } from './support/test-app.js';

describe('GET /events/stream (Server-Sent Events over real HTTP)', () => {
  const api = useTestApp({
    server: { body_limit: 2 * 1024 * 1024 },
    event: {
      stream: { max_clients: 2, heartbeat: '1s', buffer_bytes: 65_536 },
    },
  });
  let baseUrl: string;
  const open: SseClient[] = [];

  beforeAll(async () => {
    await api.app.listen(0, '127.0.0.1');
    const { port } = api.app.getHttpServer().address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
  });

  afterEach(() => {
    for (const client of open.splice(0)) client.close();
  });

  async function stream(path: string, headers: Record<string, string> = {}) {
    const client = await openSse(`${baseUrl}${path}`, headers);
    open.push(client);
    expect(client.status, client.text()).toBe(200);
    expect(client.headers.get('content-type')).toMatch(/^text\/event-stream/);
    // Security headers are sent with the stream like with any answer.
    expect(client.headers.get('x-content-type-options')).toBe('nosniff');
    await client.comment('stream open');
    return client;
  }

  async function publish(
    type: string,
    data: unknown = {},
    aggregateId?: string,
  ) {
    const response = await fetch(`${baseUrl}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type, data, aggregate_id: aggregateId }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; position: number };
  }

  /** The ids GET /events lists after a cursor, following `next` to the end. */
  async function listedAfter(cursor: string, type: string): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = cursor;
    for (let page = 0; after !== null && page < 100; page++) {
      const response = await fetch(
        `${baseUrl}/events?type=${encodeURIComponent(type)}&after=${after}&limit=1000`,
      );
      const body = (await response.json()) as {
        events: { id: string }[];
        next: number | null;
      };
      ids.push(...body.events.map((event) => event.id));
      after = body.next === null ? null : String(body.next);
    }
    return ids;
  }

  it('sends each new committed event matching the type pattern and stream, with its cursor as id', async () => {
    const client = await stream(
      '/events/stream?type=sse.filter.*&aggregate_id=sse-a',
    );
    await publish('sse.filter.skipped', {}, 'sse-b');
    await publish('other.type', {}, 'sse-a');
    const wanted = await publish('sse.filter.kept', { n: 1 }, 'sse-a');
    const [message] = await client.take(1);
    const event = JSON.parse(message.data);
    expect(event).toMatchObject({
      id: wanted.id,
      type: 'sse.filter.kept',
      streamid: 'sse-a',
      data: { n: 1 },
      specversion: '1.0',
    });
    expect(message.id).toBe(String(wanted.position));
  });

  it('resumes after Last-Event-ID from the store, then live, with no gap and no duplicate', async () => {
    const type = 'sse.resume.tick';
    const first = await publish(type, { n: 0 });
    for (let n = 1; n < 5; n++) await publish(type, { n });
    const client = await stream(`/events/stream?type=${type}`, {
      'last-event-id': String(first.position),
    });
    // Commits keep arriving while the backlog is read.
    const live = (async () => {
      for (let n = 5; n < 40; n++) await publish(type, { n });
    })();
    const messages = await client.take(39, 20_000);
    await live;
    const received = messages.map((message) => JSON.parse(message.data).id);
    expect(received).toEqual(await listedAfter(String(first.position), type));
    expect(new Set(received).size).toBe(39);
    expect(messages.map((message) => JSON.parse(message.data).data.n)).toEqual(
      Array.from({ length: 39 }, (_, index) => index + 1),
    );
    // An SSE id is a cursor of GET /events: nothing of this type follows the last one.
    expect(await listedAfter(messages[38].id as string, type)).toEqual([]);
  });

  it('keeps an idle stream alive with heartbeat comments', async () => {
    const client = await stream('/events/stream?type=sse.idle.never');
    await client.comment('heartbeat', 5_000);
  });

  it('refuses a malformed Last-Event-ID or type with 400 naming it', async () => {
    const badCursor = await fetch(`${baseUrl}/events/stream`, {
      headers: { 'last-event-id': '12abc' },
    });
    expect(badCursor.status).toBe(400);
    expect(await badCursor.json()).toMatchObject({ field: 'last-event-id' });
    const badType = await fetch(`${baseUrl}/events/stream?type=a..b`);
    expect(badType.status).toBe(400);
    expect(await badType.json()).toMatchObject({ field: 'type' });
  });

  it('refuses one client more than event.stream.max_clients with 503 and Retry-After', async () => {
    const a = await stream('/events/stream');
    await stream('/events/stream');
    const refused = await fetch(`${baseUrl}/events/stream`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    await refused.arrayBuffer();
    a.close();
    const admitted = await eventually(async () => {
      const client = await openSse(`${baseUrl}/events/stream`);
      open.push(client);
      return client.status === 200 ? client : undefined;
    });
    expect(admitted.status).toBe(200);
  });

  it('disconnects a client that stops reading instead of buffering for it', async () => {
    // A client that sends its request and then never reads the answer.
    const socket = connect(Number(new URL(baseUrl).port), '127.0.0.1');
    try {
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.write(
        'GET /events/stream?type=sse.slow.big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      );
      socket.pause();
      await stream('/events/stream?type=sse.slow.none');
      // Both slots are taken now.
      const full = await fetch(`${baseUrl}/events/stream`);
      expect(full.status).toBe(503);
      await full.arrayBuffer();
      // Far more than the socket buffers and event.stream.buffer_bytes can hold.
      const big = 'x'.repeat(1024 * 1024);
      for (let n = 0; n < 24; n++) await publish('sse.slow.big', { big });
      const admitted = await eventually(
        async () => {
          const response = await fetch(`${baseUrl}/events/stream`);
          if (response.status !== 200) {
            await response.arrayBuffer();
            return undefined;
          }
          await response.body?.cancel();
          return response.status;
        },
        { timeoutMs: 15_000, what: 'the slow client to be disconnected' },
      );
      expect(admitted).toBe(200);
    } finally {
      socket.destroy();
    }
  });
});
