import { describe, expect, it } from 'vitest';
import { EventStore } from '../src/events/store/event-store.js';
import { bearer, testKey, withKeys, type TestKey } from './support/api-keys.js';
import { expectClientError, type CloudEvent } from './support/http.js';
import {
  eventually,
  useTestApp,
  type TestApp,
  type TestResponse,
} from './support/test-app.js';

const admin = testKey('ops', ['admin']);
const shipping = testKey('shipping', ['publisher', 'reader']);
const partnerA = testKey('partner-a', ['publisher'], ['/partner-a']);
const partnerB = testKey('partner-b', ['publisher']);
const KEYS: Record<string, TestKey> = {
  ops: admin,
  shipping,
  'partner-a': partnerA,
  'partner-b': partnerB,
};

const SERVICE_SOURCE = '/ownership-test';
let sequence = 0;
const nextId = () => `evt-${++sequence}`;

type Mode = 'json' | 'structured' | 'binary' | 'batch';

interface Attributes {
  type: string;
  source?: string;
  streamid?: string;
  id?: string;
}

/** POST /events in one content mode; in batch mode the event follows two harmless ones. */
function send(
  api: TestApp,
  mode: Mode,
  key: TestKey,
  attributes: Attributes,
): Promise<TestResponse> {
  const { type, source = '/ownership', streamid, id = nextId() } = attributes;
  const ce = {
    specversion: '1.0',
    id,
    source,
    type,
    ...(streamid ? { streamid } : {}),
  };
  const harmless = () => ({
    specversion: '1.0',
    id: nextId(),
    source: '/ownership',
    type: 'parcel.scanned',
  });
  switch (mode) {
    case 'json':
      return api.request({
        method: 'POST',
        url: '/events',
        headers: bearer(key),
        payload: {
          type,
          id,
          ...(attributes.source ? { source } : {}),
          ...(streamid ? { aggregate_id: streamid } : {}),
          data: {},
        },
      });
    case 'structured':
      return api.request({
        method: 'POST',
        url: '/events',
        headers: {
          ...bearer(key),
          'content-type': 'application/cloudevents+json',
        },
        payload: JSON.stringify({ ...ce, data: {} }),
      });
    case 'binary':
      return api.request({
        method: 'POST',
        url: '/events',
        headers: {
          ...bearer(key),
          'content-type': 'application/json',
          ...Object.fromEntries(
            Object.entries(ce).map(([name, value]) => [`ce-${name}`, value]),
          ),
        },
        payload: '{}',
      });
    case 'batch':
      return api.request({
        method: 'POST',
        url: '/events',
        headers: {
          ...bearer(key),
          'content-type': 'application/cloudevents-batch+json',
        },
        payload: JSON.stringify([harmless(), harmless(), ce]),
      });
  }
}

/** The field a refusal names in each mode: `type`, `ce-type`, `[2].type`... */
function fieldIn(
  mode: Mode,
  attribute: 'type' | 'source' | 'streamid',
): string {
  if (mode === 'binary') return `ce-${attribute}`;
  if (mode === 'batch') return `[2].${attribute}`;
  if (mode === 'json' && attribute === 'streamid') return 'aggregate_id';
  return attribute;
}

const MODES: Mode[] = ['json', 'structured', 'binary', 'batch'];

describe("POST /events and the application's own events", () => {
  const api = useTestApp({
    ...withKeys(admin, shipping, partnerA, partnerB),
    event: { source: SERVICE_SOURCE },
  });

  /** Every event in the log, counted through GET /events. */
  async function eventCount(): Promise<number> {
    let count = 0;
    let after: number | null = 0;
    for (let page = 0; after !== null && page < 100; page++) {
      const response = await api.request({
        method: 'GET',
        url: `/events?limit=1000&after=${after}`,
        headers: bearer(admin),
      });
      expect(response.statusCode, response.body).toBe(200);
      count += response.json().events.length;
      after = response.json().next;
    }
    return count;
  }

  async function refused(
    send: () => Promise<TestResponse>,
    field: string,
  ): Promise<string> {
    const before = await eventCount();
    const body = expectClientError(await send(), 403, field);
    expect(body.field).toBe(field);
    expect(await eventCount()).toBe(before);
    return body.message as string;
  }

  describe.each(MODES)('%s mode', (mode) => {
    it.each([
      ['user.registered', 'ops'],
      ['user.updated', 'shipping'],
      ['order.confirmed', 'ops'],
      ['order.placed', 'shipping'],
    ])(
      'refuses the module-declared type %s to the key %s with 403 naming the type, storing nothing',
      async (type, key) => {
        const message = await refused(
          () => send(api, mode, KEYS[key], { type }),
          fieldIn(mode, 'type'),
        );
        expect(message).toContain(type);
      },
    );

    it.each([
      ['user-0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7a', 'ops'],
      ['order-0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7b', 'shipping'],
    ])(
      'refuses a write to the aggregate or saga stream %s by the key %s with 403 naming it',
      async (streamid, key) => {
        const message = await refused(
          () =>
            send(api, mode, KEYS[key], { type: 'parcel.scanned', streamid }),
          fieldIn(mode, 'streamid'),
        );
        expect(message).toContain(streamid);
      },
    );

    it("refuses the service's own source", async () => {
      await refused(
        () =>
          send(api, mode, admin, {
            type: 'parcel.scanned',
            source: SERVICE_SOURCE,
          }),
        fieldIn(mode, 'source'),
      );
    });

    it('stores other types and streams, with the key name as the actor', async () => {
      const id = nextId();
      const response = await send(api, mode, shipping, {
        type: 'parcel.scanned',
        streamid: 'parcel-1',
        id,
        source: '/shipping',
      });
      expect(response.statusCode, response.body).toBe(201);
      const stored = await api.app.get(EventStore).findById(id, '/shipping');
      expect(stored?.metadata.actor).toBe('shipping');
    });
  });

  it('refuses a whole batch for one owned event, naming its index', async () => {
    const event = (type: string) => ({
      specversion: '1.0',
      id: nextId(),
      source: '/shipping',
      type,
    });
    const message = await refused(
      () =>
        api.request({
          method: 'POST',
          url: '/events',
          headers: {
            ...bearer(shipping),
            'content-type': 'application/cloudevents-batch+json',
          },
          payload: JSON.stringify([
            event('parcel.a'),
            event('parcel.b'),
            event('parcel.c'),
            event('user.deleted'),
            event('parcel.d'),
          ]),
        }),
      '[3].type',
    );
    expect(message).toContain('user.deleted');
  });

  it("keeps a user's history its own: a forged user.updated is refused and the owner's next PATCH keeps the email", async () => {
    const created = await api.request({
      method: 'POST',
      url: '/users',
      headers: bearer(shipping),
      payload: { email: 'ada@example.com', name: 'Ada' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const user = created.json();

    for (const key of [admin, shipping]) {
      await refused(
        () =>
          api.request({
            method: 'POST',
            url: '/events',
            headers: bearer(key),
            payload: {
              type: 'user.updated',
              aggregate_id: `user-${user.id}`,
              data: {
                userId: user.id,
                changes: { email: 'attacker@evil.test' },
              },
            },
          }),
        'type',
      );
    }
    // Any other type on the user's stream is refused too.
    await refused(
      () =>
        api.request({
          method: 'POST',
          url: '/events',
          headers: bearer(admin),
          payload: { type: 'parcel.noise', aggregate_id: `user-${user.id}` },
        }),
      'aggregate_id',
    );

    const patched = await api.request({
      method: 'PATCH',
      url: `/users/${user.id}`,
      headers: bearer(shipping),
      payload: { name: 'Ada L.' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      email: 'ada@example.com',
      name: 'Ada L.',
      version: 2,
    });
  });

  it('sends no welcome for a forged user.registered', async () => {
    await refused(
      () =>
        api.request({
          method: 'POST',
          url: '/events',
          headers: bearer(admin),
          payload: {
            type: 'user.registered',
            data: {
              userId: '0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7c',
              email: 'ghost@example.com',
              name: 'Ghost',
            },
          },
        }),
      'type',
    );
    // The welcome handler runs in log order: once a later user is welcomed, a stored forgery
    // would have been welcomed too.
    const later = await api.request({
      method: 'POST',
      url: '/users',
      headers: bearer(shipping),
      payload: { email: 'later@example.com', name: 'Later' },
    });
    expect(later.statusCode, later.body).toBe(201);
    const notifications = await eventually(async () => {
      const response = await api.request({
        method: 'GET',
        url: '/notifications?limit=100',
        headers: bearer(admin),
      });
      return response.body.includes('later@example.com') && response.body;
    });
    expect(notifications).not.toContain('ghost@');
  });

  it("records the key's name as the actor of a module's events (POST /users)", async () => {
    const created = await api.request({
      method: 'POST',
      url: '/users',
      headers: bearer(shipping),
      payload: { email: 'actor@example.com', name: 'Actor' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const entries = await eventually(async () => {
      const response = await api.request({
        method: 'GET',
        url: `/audit?actor=shipping&aggregate_id=user-${created.json().id}`,
        headers: bearer(admin),
      });
      const body = response.json();
      return body.entries?.length === 1 && body.entries;
    });
    expect(entries[0]).toMatchObject({
      type: 'user.registered',
      actor: 'shipping',
    });
  });

  it('keeps each request its own actor and correlation id when their writes share a commit group', async () => {
    const requests = Array.from({ length: 24 }, (_, i) => ({
      key: i % 2 === 0 ? shipping : admin,
      correlation: `concurrent-${i}`,
    }));
    const responses = await Promise.all(
      requests.map(({ key, correlation }, i) =>
        api.request({
          method: 'POST',
          url: '/users',
          headers: { ...bearer(key), 'x-correlation-id': correlation },
          payload: { email: `concurrent-${i}@example.com`, name: `C ${i}` },
        }),
      ),
    );
    const store = api.app.get(EventStore);
    const seen: string[] = [];
    for (const [i, response] of responses.entries()) {
      expect(response.statusCode, response.body).toBe(201);
      const [registered] = await store.readStream(`user-${response.json().id}`);
      seen.push(`${registered.metadata.actor} ${registered.correlationId}`);
      expect(seen[i]).toBe(
        `${requests[i].key.name} ${requests[i].correlation}`,
      );
    }
  });

  describe('sources', () => {
    async function publishAs(key: TestKey, payload: object) {
      return api.request({
        method: 'POST',
        url: '/events',
        headers: bearer(key),
        payload: { type: 'parcel.scanned', ...payload },
      });
    }

    it("gives an event without source the key's /keys/<name>", async () => {
      const response = await publishAs(shipping, {});
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json<CloudEvent>().source).toBe('/keys/shipping');
    });

    it.each([
      ['shipping', '/keys/ops', 'reserved for the key named ops'],
      ['partner-b', '/partner-a', 'belongs to the key named partner-a'],
      ['partner-a', '/elsewhere', 'may publish only under'],
      ['ops', SERVICE_SOURCE, "this service's own"],
    ])(
      'refuses the key %s under %s with 403 naming source',
      async (key, source, reason) => {
        const message = await refused(
          () => publishAs(KEYS[key], { source }),
          'source',
        );
        expect(message).toContain(reason);
      },
    );

    it('lets a key publish under its own sources and its /keys/<name>', async () => {
      for (const source of ['/partner-a', '/keys/partner-a']) {
        const response = await publishAs(partnerA, { source });
        expect(response.statusCode, response.body).toBe(201);
      }
    });

    it("keeps a partner's id + source from being squatted by another key", async () => {
      const id = nextId();
      const squat = await publishAs(partnerB, { id, source: '/partner-a' });
      expectClientError(squat, 403, 'source');
      const genuine = await publishAs(partnerA, {
        id,
        source: '/partner-a',
        data: { genuine: true },
      });
      expect(genuine.statusCode, genuine.body).toBe(201);
      expect(genuine.json<CloudEvent>().data).toEqual({ genuine: true });
    });
  });
});

describe('POST /events in open mode (no key configured)', () => {
  const api = useTestApp({
    event: { source: SERVICE_SOURCE },
  });

  it('gives events without source /external, records no actor, and refuses the service source', async () => {
    const response = await api.request({
      method: 'POST',
      url: '/events',
      payload: { type: 'parcel.scanned', id: 'open-1' },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json<CloudEvent>().source).toBe('/external');
    const stored = await api.app
      .get(EventStore)
      .findById('open-1', '/external');
    expect(stored?.metadata.actor).toBeUndefined();

    const own = await api.request({
      method: 'POST',
      url: '/events',
      payload: { type: 'parcel.scanned', source: SERVICE_SOURCE },
    });
    expectClientError(own, 403, 'source');
  });

  it('refuses owned types even with every role open', async () => {
    const response = await api.request({
      method: 'POST',
      url: '/events',
      payload: { type: 'user.deleted', data: {} },
    });
    expectClientError(response, 403, 'type');
  });
});
