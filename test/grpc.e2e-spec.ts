import { status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GroupCommitWriter } from '../src/events/bus/writer/group-commit-writer.js';
import { EventStore } from '../src/events/store/event-store.js';
import { bearer, testKey, withKeys } from './support/api-keys.js';
import { useChildApps } from './support/child-app.js';
import { faultInjection, whileImmutable } from './support/faults.js';
import { freePort } from './support/free-port.js';
import {
  cancel,
  EventServiceClient,
  reflectedServices,
  startGrpcTestApp,
  streamFailure,
  take,
  type GrpcTestApp,
} from './support/grpc-client.js';
import { eventually, temporaryDirectory } from './support/test-app.js';

const reader = testKey('reader', ['reader']);
const publisher = testKey('publisher', ['publisher'], ['/shipping']);
const admin = testKey('admin', ['admin']);
const BUFFER_SIZE = 20;
const BODY_LIMIT = 64 * 1024;

const faults = faultInjection();

/** The application with gRPC on, keys configured, a small commit buffer and body limit. */
function useGrpcApp(overrides: Record<string, unknown> = {}): {
  app(): GrpcTestApp;
  as(key: typeof reader): EventServiceClient;
  anonymous(): EventServiceClient;
} {
  const directory = temporaryDirectory();
  let app: GrpcTestApp | undefined;
  const clients: EventServiceClient[] = [];
  beforeAll(async () => {
    app = await startGrpcTestApp(directory.path, {
      ...withKeys(reader, publisher, admin),
      server: { body_limit: BODY_LIMIT },
      event: { bus: { buffer_size: BUFFER_SIZE, max_batch: BUFFER_SIZE } },
      ...overrides,
    });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await app?.close();
    directory.cleanup();
  });
  const client = (headers: Record<string, string>) => {
    const created = new EventServiceClient(app!.grpcPort, headers);
    clients.push(created);
    return created;
  };
  return {
    app: () => app!,
    as: (key) => client(bearer(key)),
    anonymous: () => client({}),
  };
}

function expectStatus(error: ServiceError, code: status, field?: string): void {
  expect(error.code, error.details).toBe(code);
  if (field !== undefined) expect(error.metadata.get('field')).toEqual([field]);
}

async function publish(
  client: EventServiceClient,
  ...events: object[]
): Promise<any[]> {
  const answer = await client.call('Publish', { events });
  return answer.events.map((published: { event: unknown }) => published.event);
}

describe('gRPC events.v1.EventService', () => {
  const api = useGrpcApp();
  let readerClient: EventServiceClient;
  let publisherClient: EventServiceClient;
  beforeAll(() => {
    readerClient = api.as(reader);
    publisherClient = api.as(publisher);
  });

  const http = (url: string) =>
    api.app().request({ method: 'GET', url, headers: bearer(reader) });

  describe('Publish [rpc Publish]', () => {
    it('stores a batch all together, answers once committed, and returns the stored event for a repeated source + id', async () => {
      const answer = await publisherClient.call(
        'Publish',
        {
          events: [
            {
              type: 'parcel.shipped',
              id: 'p-1',
              aggregate_id: 'parcel-1',
              json_data: '{"weight":3}',
            },
            { type: 'parcel.weighed', source: '/shipping', subject: 'p-1' },
          ],
        },
        { ...bearer(publisher), 'x-correlation-id': 'corr-grpc-1' },
      );
      const [shipped, weighed] = answer.events;
      expect(shipped.created).toBe(true);
      expect(shipped.event).toMatchObject({
        id: 'p-1',
        type: 'parcel.shipped',
        source: '/keys/publisher',
        stream_id: 'parcel-1',
        stream_version: 1,
        json_data: '{"weight":3}',
        correlation_id: 'corr-grpc-1',
      });
      expect(weighed.event).toMatchObject({
        source: '/shipping',
        subject: 'p-1',
        position: shipped.event.position + 1,
      });

      // Committed: the HTTP API reads the same event.
      const stored = await http('/events/p-1');
      expect(stored.statusCode).toBe(200);
      expect(stored.json()).toMatchObject({
        data: { weight: 3 },
        position: shipped.event.position,
        correlationid: 'corr-grpc-1',
      });

      const again = await publisherClient.call('Publish', {
        events: [{ type: 'parcel.shipped', id: 'p-1' }],
      });
      expect(again.events[0].created).toBe(false);
      expect(again.events[0].event.position).toBe(shipped.event.position);
    });

    it('appends with an expected version and refuses a stale one with ABORTED, storing nothing', async () => {
      const first = { type: 'crate.packed', aggregate_id: 'crate-7' };
      const ok = await publisherClient.call('Publish', {
        events: [first, first],
        expected_version: 0,
      });
      expect(ok.events.map((e: any) => e.event.stream_version)).toEqual([1, 2]);

      const stale = await publisherClient.failure('Publish', {
        events: [first],
        expected_version: 1,
      });
      expectStatus(stale, status.ABORTED);
      expect(stale.details).toContain('crate-7 is at version 2');
    });
  });

  describe('GetEvent [rpc GetEvent]', () => {
    it('answers the event GET /events/:id answers, and NOT_FOUND for an unknown id', async () => {
      const [event] = await publish(publisherClient, {
        type: 'dock.opened',
        id: 'dock-1',
        json_data: '[1,2]',
      });
      const read = await readerClient.call('GetEvent', { id: 'dock-1' });
      expect(read).toEqual(event);
      const bySource = await readerClient.call('GetEvent', {
        id: 'dock-1',
        source: '/keys/publisher',
      });
      expect(bySource.position).toBe(event.position);

      const missing = await readerClient.failure('GetEvent', { id: 'no-such' });
      expectStatus(missing, status.NOT_FOUND);
      const otherSource = await readerClient.failure('GetEvent', {
        id: 'dock-1',
        source: '/elsewhere',
      });
      expectStatus(otherSource, status.NOT_FOUND);
    });
  });

  describe('GetEventStatus [rpc GetEventStatus]', () => {
    it('reports the delivery state of every matching subscription as GET /events/:id/status', async () => {
      const [event] = await publish(publisherClient, {
        type: 'gate.closed',
        id: 'gate-1',
      });
      const both = await eventually(
        async () => {
          const viaGrpc = await readerClient.call('GetEventStatus', {
            id: 'gate-1',
          });
          const viaHttp = (await http('/events/gate-1/status')).json();
          const delivered = (list: { status: string }[]) =>
            list.every((s) => /delivered/i.test(s.status));
          return delivered(viaGrpc.subscriptions) &&
            delivered(viaHttp.subscriptions)
            ? { viaGrpc, viaHttp }
            : undefined;
        },
        { what: 'every subscription to take the event' },
      );
      expect(both.viaGrpc).toMatchObject({
        id: 'gate-1',
        type: 'gate.closed',
        position: event.position,
      });
      const names = (list: { subscription: string }[]) =>
        list.map((s) => s.subscription).sort();
      expect(names(both.viaGrpc.subscriptions)).toEqual(
        names(both.viaHttp.subscriptions),
      );
      expect(both.viaGrpc.subscriptions.length).toBeGreaterThan(0);
      for (const state of both.viaGrpc.subscriptions)
        expect(state.status).toBe('DELIVERY_STATUS_DELIVERED');

      const missing = await readerClient.failure('GetEventStatus', {
        id: 'no-such',
      });
      expectStatus(missing, status.NOT_FOUND);
    });
  });

  describe('Query [rpc Query]', () => {
    it('pages through the filters of GET /events with next, and reads the same events', async () => {
      for (let i = 0; i < 5; i++) {
        await publish(
          publisherClient,
          { type: 'bay.loaded', aggregate_id: `bay-${i % 2}` },
          { type: 'bay.unloaded.fully', aggregate_id: `bay-${i % 2}` },
        );
      }
      const pages: any[][] = [];
      let after = '';
      do {
        const page = await readerClient.call('Query', {
          type: 'bay.*',
          limit: 2,
          after,
        });
        pages.push(page.events);
        after = page.next;
      } while (after !== '' && pages.length < 20);
      const viaGrpc = pages.flat();
      expect(viaGrpc.map((e) => e.type)).toEqual(Array(5).fill('bay.loaded'));

      const viaHttp = (await http('/events?type=bay.*&limit=100')).json();
      expect(viaGrpc.map((e) => e.position)).toEqual(
        viaHttp.events.map((e: { position: number }) => e.position),
      );

      const stream = await readerClient.call('Query', {
        aggregate_id: 'bay-1',
        order: 'ORDER_DESC',
      });
      expect(stream.events).toHaveLength(4);
      expect(stream.events[0].position).toBeGreaterThan(
        stream.events[3].position,
      );
      expect(stream.next).toBe('');

      // A cursor of the HTTP API continues a gRPC listing, and the other way round.
      const firstPage = (await http('/events?type=bay.**&limit=3')).json();
      const rest = await readerClient.call('Query', {
        type: 'bay.**',
        after: String(firstPage.next),
        limit: 100,
      });
      expect(rest.events).toHaveLength(7);
    });

    it('refuses filters GET /events refuses, naming the field', async () => {
      const cases: [object, string][] = [
        [{ limit: 1001 }, 'limit'],
        [{ type: 'Bad Type' }, 'type'],
        [{ type: `${'a.'.repeat(40)}a` }, 'type'],
        [{ since: 'yesterday' }, 'since'],
        [{ after: 'not-a-cursor' }, 'after'],
        [{ after: '99999999999999999' }, 'after'],
        [{ aggregate_id: 'x'.repeat(256) }, 'aggregate_id'],
      ];
      for (const [request, field] of cases) {
        const error = await readerClient.failure('Query', request);
        expectStatus(error, status.INVALID_ARGUMENT, field);
      }
    });
  });

  describe('Subscribe [rpc Subscribe]', () => {
    it('streams the stored events, then live ones as they commit, without gap or duplicate', async () => {
      const stored = await publish(
        publisherClient,
        { type: 'lane.opened' },
        { type: 'other.thing' },
        { type: 'lane.closed' },
      );
      const stream = readerClient.subscribe({ pattern: 'lane.*' });
      try {
        const caughtUp = await take(stream, 2);
        expect(caughtUp.map((e) => e.id)).toEqual([stored[0].id, stored[2].id]);

        // Live: events committed while the stream is open, one at a time and in a batch.
        const live = [
          ...(await publish(publisherClient, { type: 'lane.opened' })),
          ...(await publish(
            publisherClient,
            { type: 'other.thing' },
            { type: 'lane.blocked' },
            { type: 'lane.cleared' },
          )),
        ];
        const next = await take(stream, 3);
        expect(next.map((e) => e.id)).toEqual(
          [live[0], live[2], live[3]].map((e) => e.id),
        );
        expect(next[2]).toEqual(live[3]);
      } finally {
        cancel(stream);
      }
    });

    it('keeps every event while publishers and the catch-up overlap', async () => {
      const before = Array.from({ length: 150 }, () => ({
        type: 'belt.moved',
      }));
      // Half the buffer per call: handlers' own writes may hold a few places meanwhile.
      for (let i = 0; i < 150; i += BUFFER_SIZE / 2)
        await publish(publisherClient, ...before.slice(i, i + BUFFER_SIZE / 2));
      const stream = readerClient.subscribe({ pattern: 'belt.moved' });
      try {
        const publishing = (async () => {
          const ids: string[] = [];
          for (let i = 0; i < 10; i++) {
            const events = await publish(
              publisherClient,
              { type: 'belt.moved' },
              { type: 'belt.moved' },
            );
            ids.push(...events.map((e) => e.id));
          }
          return ids;
        })();
        const received = await take(stream, 170);
        const published = await publishing;
        const positions = received.map((e) => e.position);
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        expect(new Set(positions).size).toBe(170);
        expect(received.slice(150).map((e) => e.id)).toEqual(published);
      } finally {
        cancel(stream);
      }
    });

    it('reads further only as a slow client takes events, then delivers every one', async () => {
      const EVENTS = 4000;
      const data = JSON.stringify({ padding: 'x'.repeat(1000) });
      for (let i = 0; i < EVENTS; i += 10) {
        await publish(
          publisherClient,
          ...Array.from({ length: 10 }, () => ({
            type: 'slow.reader',
            json_data: data,
          })),
        );
      }
      const store = api.app().app.get(EventStore);
      const reads = vi.spyOn(store, 'query');
      const stream = readerClient.subscribe({ pattern: 'slow.reader' });
      try {
        // take() pauses the stream after the first event: the client stops reading.
        const [first] = await take(stream, 1);
        let seen = -1;
        const held = await eventually(
          async () => {
            const count = reads.mock.calls.length;
            const stable = count === seen;
            seen = count;
            await new Promise((resolve) => setTimeout(resolve, 300));
            return stable ? count : undefined;
          },
          { what: 'the reader to stop while the client does not read' },
        );
        // Pages of 100: reading everything would take 40 reads.
        expect(held).toBeLessThan(EVENTS / 100 / 2);

        const rest = await take(stream, EVENTS - 1, 60_000);
        const positions = [first, ...rest].map((event) => event.position);
        expect(positions).toEqual(
          positions.map((_, index) => positions[0] + index),
        );
      } finally {
        reads.mockRestore();
        cancel(stream);
      }
    });

    it('resumes exactly after a cursor: an Event.cursor, or the next of GET /events', async () => {
      const events = await publish(
        publisherClient,
        { type: 'ramp.up' },
        { type: 'ramp.up' },
        { type: 'ramp.up' },
      );
      const resumed = readerClient.subscribe({
        pattern: 'ramp.up',
        cursor: events[0].cursor,
      });
      try {
        const got = await take(resumed, 2);
        expect(got.map((e) => e.id)).toEqual([events[1].id, events[2].id]);
      } finally {
        cancel(resumed);
      }

      const page = (await http('/events?type=ramp.up&limit=2')).json();
      const fromHttp = readerClient.subscribe({
        pattern: 'ramp.up',
        cursor: String(page.next),
      });
      try {
        const [first] = await take(fromHttp, 1);
        expect(first.id).toBe(events[2].id);
      } finally {
        cancel(fromHttp);
      }
    });

    it('from an empty cursor starts at the first event of the log', async () => {
      const everything = readerClient.subscribe({});
      try {
        const [first] = await take(everything, 1);
        expect(first.position).toBe(1);
      } finally {
        cancel(everything);
      }
    });

    it('ends with INVALID_ARGUMENT for a bad pattern or cursor, and needs the reader role', async () => {
      expectStatus(
        await streamFailure(readerClient.subscribe({ pattern: 'a..b' })),
        status.INVALID_ARGUMENT,
        'pattern',
      );
      expectStatus(
        await streamFailure(
          readerClient.subscribe({ pattern: `${'x'.repeat(256)}` }),
        ),
        status.INVALID_ARGUMENT,
        'pattern',
      );
      expectStatus(
        await streamFailure(readerClient.subscribe({ cursor: '-1' })),
        status.INVALID_ARGUMENT,
        'cursor',
      );
      expectStatus(
        await streamFailure(publisherClient.subscribe({})),
        status.PERMISSION_DENIED,
      );
    });
  });

  describe('keys and roles', () => {
    it('refuses a call without a key or with an unknown one with UNAUTHENTICATED', async () => {
      const none = await api.anonymous().failure('GetEvent', { id: 'p-1' });
      expectStatus(none, status.UNAUTHENTICATED, 'authorization');
      const unknown = await readerClient.failure(
        'Query',
        {},
        { authorization: 'Bearer nesk_not-a-key' },
      );
      expectStatus(unknown, status.UNAUTHENTICATED);
      const twoKeys = await readerClient.failure(
        'Query',
        {},
        { ...bearer(reader), 'x-api-key': publisher.key },
      );
      expectStatus(twoKeys, status.UNAUTHENTICATED);
    });

    it('takes the key in x-api-key as well', async () => {
      const page = await readerClient.call(
        'Query',
        { limit: 1 },
        { 'x-api-key': reader.key },
      );
      expect(page.events).toHaveLength(1);
    });

    it('refuses a role the key lacks with PERMISSION_DENIED: Publish needs publisher, reads need reader', async () => {
      const readerPublishes = await readerClient.failure('Publish', {
        events: [{ type: 'x.y' }],
      });
      expectStatus(readerPublishes, status.PERMISSION_DENIED, 'authorization');
      for (const method of ['GetEvent', 'GetEventStatus', 'Query'] as const) {
        const error = await publisherClient.failure(method, { id: 'p-1' });
        expectStatus(error, status.PERMISSION_DENIED, 'authorization');
      }
      const adminReads = await api.as(admin).call('GetEvent', { id: 'p-1' });
      expect(adminReads.id).toBe('p-1');
    });
  });

  describe('the rules of POST /events', () => {
    it('refuses the application own event types and streams, and sources the key may not use, storing nothing', async () => {
      const cases: [object, string][] = [
        [{ type: 'user.registered' }, 'events[1].type'],
        [{ type: 'x.y', aggregate_id: 'user-123' }, 'events[1].aggregate_id'],
        [{ type: 'x.y', source: '/keys/admin' }, 'events[1].source'],
        [{ type: 'x.y', source: '/nest-event-starter' }, 'events[1].source'],
        [{ type: 'x.y', source: '/billing' }, 'events[1].source'],
      ];
      for (const [refused, field] of cases) {
        const error = await publisherClient.failure('Publish', {
          events: [{ type: 'rule.ok', id: 'rule-ok' }, refused],
        });
        expectStatus(error, status.PERMISSION_DENIED, field);
      }
      expect((await http('/events?type=rule.ok')).json().events).toEqual([]);
    });

    it('refuses malformed events with INVALID_ARGUMENT naming the field', async () => {
      const cases: [object, string][] = [
        [{ events: [] }, 'events'],
        [{ events: [{}] }, 'events[0].type'],
        [
          { events: [{ type: 'x.y' }, { type: 'Not.Valid' }] },
          'events[1].type',
        ],
        [
          { events: [{ type: 'x.y', json_data: '{oops' }] },
          'events[0].json_data',
        ],
        [
          {
            events: [
              { type: 'x.y', json_data: '['.repeat(200) + ']'.repeat(200) },
            ],
          },
          'events[0].json_data',
        ],
        [{ events: [{ type: 'x.y', time: 'noon' }] }, 'events[0].time'],
        [{ events: [{ type: 'x.y', id: 'i'.repeat(256) }] }, 'events[0].id'],
        [
          { events: [{ type: 'x.y' }], expected_version: 0 },
          'expected_version',
        ],
        [
          {
            events: [{ type: 'x.y', aggregate_id: 'a-1' }],
            expected_version: 2 ** 40,
          },
          'expected_version',
        ],
      ];
      for (const [request, field] of cases) {
        const error = await publisherClient.failure('Publish', request);
        expectStatus(error, status.INVALID_ARGUMENT, field);
      }
      const badCorrelation = await publisherClient.failure(
        'Publish',
        { events: [{ type: 'x.y' }] },
        { ...bearer(publisher), 'x-correlation-id': 'has spaces' },
      );
      expectStatus(badCorrelation, status.INVALID_ARGUMENT, 'x-correlation-id');
    });

    it('answers RESOURCE_EXHAUSTED beyond the batch cap, the message size and a full commit buffer, storing nothing', async () => {
      const tooMany = await publisherClient.failure('Publish', {
        events: Array.from({ length: BUFFER_SIZE + 1 }, () => ({
          type: 'cap.hit',
        })),
      });
      expectStatus(tooMany, status.RESOURCE_EXHAUSTED);
      expect(tooMany.details).toContain('event.bus.max_batch');

      const tooLarge = await publisherClient.failure('Publish', {
        events: [{ type: 'cap.hit', json_data: `"${'x'.repeat(BODY_LIMIT)}"` }],
      });
      expectStatus(tooLarge, status.RESOURCE_EXHAUSTED);

      const writer = api.app().app.get(GroupCommitWriter);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      // One unit holds the writer, so one place of the buffer is taken.
      const holding = writer.runUnit(() => gate, { timeoutMs: null });
      try {
        const full = await publisherClient.failure('Publish', {
          events: Array.from({ length: BUFFER_SIZE }, () => ({
            type: 'cap.hit',
          })),
        });
        expectStatus(full, status.RESOURCE_EXHAUSTED);
        expect(Number(full.metadata.get('retry-after')[0])).toBeGreaterThan(0);
      } finally {
        release();
        await holding;
      }
      expect((await http('/events?type=cap.hit')).json().events).toEqual([]);
    });
  });

  it('answers server reflection: the service is listed for grpcurl-style tools', async () => {
    const services = await reflectedServices(api.app().grpcPort);
    expect(services).toContain('events.v1.EventService');
  });
});

describe.skipIf(!faults.available)(
  `gRPC on a storage fault${faults.available ? '' : ` (skipped: ${faults.reason})`}`,
  () => {
    const api = useGrpcApp();

    it('refuses Publish with UNAVAILABLE while the database cannot be written, and takes it again after', async () => {
      const client = api.as(publisher);
      await publish(client, { type: 'fault.before' });
      await whileImmutable(`${api.app().databasePath}-wal`, async () => {
        const error = await client.failure('Publish', {
          events: [{ type: 'fault.during', id: 'during-1' }],
        });
        expectStatus(error, status.UNAVAILABLE);
        expect(Number(error.metadata.get('retry-after')[0])).toBeGreaterThan(0);
      });
      await eventually(
        async () => {
          try {
            return (await publish(client, { type: 'fault.after' })).length;
          } catch {
            return undefined;
          }
        },
        { what: 'writes once the WAL takes them again', timeoutMs: 15_000 },
      );
      const reader = api.as(admin);
      const missing = await reader.failure('GetEvent', { id: 'during-1' });
      expectStatus(missing, status.NOT_FOUND);
    });
  },
);

describe('gRPC rate limits', () => {
  const api = useGrpcApp({ rate_limit: { limit: 3, ttl: '1m' } });

  it('counts calls against the key budget its HTTP requests spend, and answers RESOURCE_EXHAUSTED past it', async () => {
    const client = api.as(reader);
    await client.call('Query', { limit: 1 });
    const viaHttp = await api
      .app()
      .request({ method: 'GET', url: '/events', headers: bearer(reader) });
    expect(viaHttp.statusCode).toBe(200);
    await client.call('Query', { limit: 1 });

    const refused = await client.failure('Query', { limit: 1 });
    expectStatus(refused, status.RESOURCE_EXHAUSTED);
    expect(refused.details).toMatch(/rate limit/);
    // Another key has its own budget.
    await api.as(admin).call('Query', { limit: 1 });
  });
});

describe('gRPC Subscribe streams at once', () => {
  const api = useGrpcApp();

  it('serves up to 256 streams per instance, answers RESOURCE_EXHAUSTED beyond, and frees a place when one ends', async () => {
    await publish(api.as(publisher), { type: 'limit.probe' });
    // Four channels of 64 streams: the limit is the service's, not one connection's.
    const clients = Array.from({ length: 4 }, () => api.as(reader));
    const streams = Array.from({ length: 256 }, (_, i) =>
      clients[i % 4].subscribe({ pattern: 'limit.probe' }),
    );
    try {
      // Each stream has sent the stored event: the server holds all of them open.
      await Promise.all(streams.map((stream) => take(stream, 1)));
      const refused = await streamFailure(
        clients[0].subscribe({ pattern: 'limit.probe' }),
      );
      expectStatus(refused, status.RESOURCE_EXHAUSTED);
      expect(refused.details).toContain('256 Subscribe streams');

      cancel(streams.pop()!);
      const admitted = await eventually(
        async () => {
          const stream = clients[1].subscribe({ pattern: 'limit.probe' });
          try {
            return (await take(stream, 1)).length === 1 ? stream : undefined;
          } catch {
            return undefined;
          }
        },
        { what: 'a place once a stream ended' },
      );
      streams.push(admitted);
    } finally {
      for (const stream of streams) cancel(stream);
    }
  });
});

describe('gRPC at shutdown', () => {
  const api = useGrpcApp();

  it('ends open Subscribe streams with UNAVAILABLE so clients resume elsewhere', async () => {
    const client = api.as(admin);
    await publish(api.as(publisher), { type: 'last.one' });
    const stream = client.subscribe({ pattern: 'last.one' });
    await take(stream, 1);
    const ended = streamFailure(stream);
    await api.app().close();
    expectStatus(await ended, status.UNAVAILABLE);
  });
});

describe('gRPC in the built app [npm start]', () => {
  const children = useChildApps();

  it('serves the service when GRPC__ENABLED=true, and stops cleanly on SIGTERM', async () => {
    const grpcPort = await freePort();
    const child = await children.start({
      env: {
        GRPC__ENABLED: 'true',
        GRPC__HOST: '127.0.0.1',
        GRPC__PORT: String(grpcPort),
      },
    });
    const client = new EventServiceClient(grpcPort);
    try {
      const [event] = await publish(client, { type: 'started.up' });
      const read = await client.call('GetEvent', { id: event.id });
      expect(read.position).toBe(event.position);
      expect(await reflectedServices(grpcPort)).toContain(
        'events.v1.EventService',
      );
    } finally {
      client.close();
    }
    expect(await child.kill('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
