import { describe, expect, it } from 'vitest';
import {
  allEvents,
  expectClientError,
  getJson,
  type CloudEvent,
} from './support/http.js';
import { useTestApp, type TestResponse } from './support/test-app.js';

// A conformance suite written from CloudEvents 1.0.2: the core spec (spec.md), the JSON event
// format (formats/json-format.md) and the HTTP protocol binding
// (bindings/http-protocol-binding.md). Section numbers refer to those documents.

const STRUCTURED = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch+json';
const BODY_LIMIT = 64 * 1024;

type Json = Record<string, unknown>;

let sequence = 0;
/** A valid structured-mode event with a fresh id; `overrides` set or (undefined) remove members. */
function event(overrides: Json = {}): Json {
  sequence++;
  const base: Json = {
    specversion: '1.0',
    id: `ce-${sequence}`,
    source: '/conformance',
    type: 'com.example.conformance',
    ...overrides,
  };
  for (const [key, value] of Object.entries(base))
    if (value === undefined) delete base[key];
  return base;
}

/** Valid binary-mode headers with a fresh id; `overrides` set or (undefined) remove headers. */
function ceHeaders(
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  sequence++;
  const base: Record<string, string | undefined> = {
    'ce-specversion': '1.0',
    'ce-id': `ce-binary-${sequence}`,
    'ce-source': '/conformance',
    'ce-type': 'com.example.conformance',
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(base).filter(([, value]) => value !== undefined),
  ) as Record<string, string>;
}

describe('CloudEvents 1.0 over HTTP (conformance)', () => {
  const api = useTestApp({
    server: { body_limit: BODY_LIMIT },
  });

  function postStructured(
    body: unknown,
    contentType = STRUCTURED,
  ): Promise<TestResponse> {
    return api.request({
      method: 'POST',
      url: '/events',
      payload: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': contentType },
    });
  }

  function postBinary(
    headers: Record<string, string>,
    body?: string | Buffer,
  ): Promise<TestResponse> {
    return api.request({
      method: 'POST',
      url: '/events',
      payload: body,
      headers,
    });
  }

  function postBatch(body: unknown): Promise<TestResponse> {
    return postStructured(body, BATCH);
  }

  async function stored(id: string, source = '/conformance') {
    return getJson<CloudEvent & Json>(
      api,
      `/events/${encodeURIComponent(id)}?source=${encodeURIComponent(source)}`,
    );
  }

  function created(response: TestResponse): CloudEvent & Json {
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  }

  /** Asserts a 400 naming `field`, and that nothing was stored. */
  async function refused(
    send: () => Promise<TestResponse>,
    field: string | undefined,
    status = 400,
  ): Promise<string> {
    const before = (await allEvents(api)).length;
    const response = await send();
    const body = expectClientError(response, status, field);
    expect((await allEvents(api)).length).toBe(before);
    return body.message as string;
  }

  describe('structured content mode (HTTP binding 3.2, JSON format 3)', () => {
    it('stores an event with only the required attributes and answers it as application/cloudevents+json', async () => {
      const sent = event({ data: { orderId: 'o-1' } });
      const response = await postStructured(sent);

      const answer = created(response);
      expect(String(response.headers['content-type'])).toMatch(
        /^application\/cloudevents\+json/,
      );
      expect(answer).toMatchObject({
        specversion: '1.0',
        id: sent.id,
        source: '/conformance',
        type: 'com.example.conformance',
        datacontenttype: 'application/json',
        data: { orderId: 'o-1' },
      });
      expect(await stored(sent.id as string)).toEqual(answer);
    });

    it('keeps every optional attribute and every extension attribute, and returns them', async () => {
      const sent = event({
        subject: 'order-1',
        time: '2024-05-01T12:00:00.123Z',
        datacontenttype: 'application/vnd.example+json',
        dataschema: 'https://example.com/schemas/order.json',
        comexampleext: 'value',
        comexamplenumber: 5,
        comexampleflag: true,
        zero: 0,
        off: false,
        data: { ok: true },
      });
      created(await postStructured(sent));

      expect(await stored(sent.id as string)).toMatchObject(sent);
    });

    it('matches the media type case-insensitively, with parameters', async () => {
      const sent = event();
      created(
        await postStructured(
          sent,
          'Application/CloudEvents+JSON; charset=UTF-8',
        ),
      );
      expect((await stored(sent.id as string)).id).toBe(sent.id);
    });

    it('treats null attributes as absent (JSON format 2.2)', async () => {
      const sent = event({ subject: null, time: null, unsetext: null });
      const answer = created(await postStructured(sent));
      expect(answer).not.toHaveProperty('subject');
      expect(answer).not.toHaveProperty('unsetext');
      expect(answer.time).toEqual(expect.any(String));
    });

    it.each([
      ['null', null],
      ['zero', 0],
      ['false', false],
      ['an empty string', ''],
      ['a JSON string', 'I am just a string'],
      ['an array', [1, 'two']],
    ])(
      'keeps data that is %s (JSON format 3.1.1)',
      async (_name, data: unknown) => {
        const sent = event({ data });
        created(await postStructured(sent));
        const back = await stored(sent.id as string);
        expect(back).toHaveProperty('data');
        expect(back.data).toEqual(data);
      },
    );

    it('has no data member when the event has no data', async () => {
      const sent = event();
      created(await postStructured(sent));
      const back = await stored(sent.id as string);
      expect(back).not.toHaveProperty('data');
      expect(back).not.toHaveProperty('data_base64');
    });

    it('keeps binary data as data_base64 with its content type (JSON format 3.1.1)', async () => {
      const bytes = Buffer.from([0, 1, 2, 250, 255]).toString('base64');
      const sent = event({
        datacontenttype: 'application/vnd.apache.thrift.binary',
        data_base64: bytes,
      });
      created(await postStructured(sent));
      const back = await stored(sent.id as string);
      expect(back.data_base64).toBe(bytes);
      expect(back).not.toHaveProperty('data');
      expect(back.datacontenttype).toBe('application/vnd.apache.thrift.binary');
    });

    it('keeps a string as data when datacontenttype is not JSON', async () => {
      const sent = event({
        datacontenttype: 'application/xml',
        data: '<much wow="xml"/>',
      });
      created(await postStructured(sent));
      expect((await stored(sent.id as string)).data).toBe('<much wow="xml"/>');
    });
  });

  describe('binary content mode (HTTP binding 3.1)', () => {
    it('maps ce-* headers to attributes and the body to data, typed by Content-Type', async () => {
      const headers = ceHeaders({
        'ce-time': '2018-04-05T03:56:24Z',
        'ce-subject': 'order-2',
        'ce-dataschema': 'https://example.com/schemas/order.json',
        'ce-comexampleext': 'value',
        'content-type': 'application/json; charset=utf-8',
      });
      const response = await postBinary(headers, '{"orderId":"o-2"}');

      const answer = created(response);
      expect(answer).toMatchObject({
        specversion: '1.0',
        id: headers['ce-id'],
        source: '/conformance',
        type: 'com.example.conformance',
        time: '2018-04-05T03:56:24.000Z',
        subject: 'order-2',
        dataschema: 'https://example.com/schemas/order.json',
        comexampleext: 'value',
        datacontenttype: 'application/json; charset=utf-8',
        data: { orderId: 'o-2' },
      });
      expect(await stored(headers['ce-id'])).toEqual(answer);
    });

    it('reads header names case-insensitively (HTTP binding 3.1.3.1)', async () => {
      const id = `upper-${Date.now()}`;
      created(
        await postBinary(
          {
            'CE-SpecVersion': '1.0',
            'Ce-Id': id,
            'CE-SOURCE': '/conformance',
            'ce-Type': 'com.example.conformance',
            'CE-MyExtension': 'kept',
            'Content-Type': 'APPLICATION/JSON',
          },
          '{"a":1}',
        ),
      );
      const back = await stored(id);
      expect(back.myextension).toBe('kept');
      expect(back.data).toEqual({ a: 1 });
    });

    it('percent-decodes header values as UTF-8 (HTTP binding 3.1.3.2)', async () => {
      const headers = ceHeaders({
        'ce-subject': 'Euro%20%E2%82%AC%20%F0%9F%98%80',
        'ce-source': '/conformance%2fdecoded',
        'ce-comexampleext': '100%25%20sure',
      });
      created(await postBinary(headers));
      const back = await stored(headers['ce-id'], '/conformance/decoded');
      expect(back.subject).toBe('Euro € 😀');
      expect(back.comexampleext).toBe('100% sure');
    });

    it('accepts lower-case and unnecessary percent-encoding, and double-quoted values', async () => {
      const headers = ceHeaders({
        'ce-subject': '%e2%82%ac%41',
        'ce-comexampleext': '"quoted \\"value\\" here"',
      });
      created(await postBinary(headers));
      const back = await stored(headers['ce-id']);
      expect(back.subject).toBe('€A');
      expect(back.comexampleext).toBe('quoted "value" here');
    });

    it.each([
      ['the number 42', '42', 42],
      ['the string "text"', '"text"', 'text'],
      ['true', 'true', true],
      ['null', 'null', null],
    ])(
      'keeps a JSON body that is %s as that JSON value',
      async (_name, body, expected) => {
        const headers = ceHeaders({ 'content-type': 'application/json' });
        created(await postBinary(headers, body));
        expect((await stored(headers['ce-id'])).data).toEqual(expected);
      },
    );

    it('keeps raw bytes as data_base64, byte for byte', async () => {
      const bytes = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]);
      const headers = ceHeaders({ 'content-type': 'application/octet-stream' });
      created(await postBinary(headers, bytes));
      const back = await stored(headers['ce-id']);
      expect(Buffer.from(back.data_base64 as string, 'base64')).toEqual(bytes);
      expect(back.datacontenttype).toBe('application/octet-stream');
    });

    it('keeps a body without Content-Type as bytes of type application/octet-stream', async () => {
      const headers = ceHeaders();
      created(await postBinary(headers, Buffer.from('raw bytes')));
      const back = await stored(headers['ce-id']);
      expect(Buffer.from(back.data_base64 as string, 'base64').toString()).toBe(
        'raw bytes',
      );
      expect(back.datacontenttype).toBe('application/octet-stream');
    });

    it('keeps UTF-8 text as a string', async () => {
      const headers = ceHeaders({
        'content-type': 'text/plain; charset=utf-8',
      });
      created(await postBinary(headers, 'héllo wörld'));
      const back = await stored(headers['ce-id']);
      expect(back.data).toBe('héllo wörld');
      expect(back.datacontenttype).toBe('text/plain; charset=utf-8');
    });

    it('stores an event without data when the body is empty', async () => {
      const headers = ceHeaders();
      created(await postBinary(headers));
      const back = await stored(headers['ce-id']);
      expect(back).not.toHaveProperty('data');
      expect(back).not.toHaveProperty('data_base64');
    });
  });

  describe('batched content mode (HTTP binding 3.3, JSON format 4)', () => {
    it('stores every event of a batch in order and answers a batch', async () => {
      const first = event({ data: { n: 1 } });
      const second = event({
        type: 'com.example.other',
        datacontenttype: 'text/plain',
        data: 'two',
      });
      const response = await postBatch([first, second]);

      expect(response.statusCode, response.body).toBe(201);
      expect(String(response.headers['content-type'])).toMatch(
        /^application\/cloudevents-batch\+json/,
      );
      const answer = response.json<CloudEvent[]>();
      expect(answer.map((e) => e.id)).toEqual([first.id, second.id]);
      expect(answer[1].position).toBe(answer[0].position + 1);
      expect((await stored(second.id as string)).data).toBe('two');
    });

    it('accepts an empty batch (HTTP binding 3.3.2)', async () => {
      const response = await postBatch([]);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual([]);
    });

    it('stores nothing when one event of the batch is invalid, and names it', async () => {
      const good = event();
      const bad = event({ source: undefined });
      const message = await refused(() => postBatch([good, bad]), '[1].source');
      expect(message).toMatch(/required/);
      await expectMissing(good.id as string);
    });

    it('refuses a batch that is not a JSON array', async () => {
      await refused(() => postBatch(event()), 'body');
    });
  });

  describe('identity and idempotency (spec: id, "source + id MUST be unique")', () => {
    it('answers a repeated structured event with the stored one and stores it once', async () => {
      const sent = event({ data: { n: 1 } });
      const first = created(await postStructured(sent));
      const again = await postStructured({ ...sent, data: { n: 2 } });

      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(first);
    });

    it('answers a repeated binary event with the stored one', async () => {
      const headers = ceHeaders({ 'content-type': 'application/json' });
      const first = created(await postBinary(headers, '{"n":1}'));
      const again = await postBinary(headers, '{"n":1}');
      expect(again.statusCode).toBe(200);
      expect(again.json().position).toBe(first.position);
    });

    it('stores the same id from another source as another event', async () => {
      const sent = event();
      const first = created(await postStructured(sent));
      const other = created(
        await postStructured({ ...sent, source: '/another-source' }),
      );
      expect(other.position).not.toBe(first.position);
    });

    it('answers a repeated batch without storing anything twice', async () => {
      const batch = [event(), event()];
      const first = await postBatch(batch);
      expect(first.statusCode).toBe(201);
      const before = (await allEvents(api)).length;

      const again = await postBatch(batch);

      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(first.json());
      expect((await allEvents(api)).length).toBe(before);
    });

    it('stores an event repeated inside one batch once', async () => {
      const sent = event();
      const response = await postBatch([sent, sent]);
      expect(response.statusCode).toBe(201);
      const [a, b] = response.json<CloudEvent[]>();
      expect(a.position).toBe(b.position);
    });
  });

  describe("the store's own extension attributes", () => {
    it('takes correlationid, causationid and streamid from the event', async () => {
      const sent = event({
        correlationid: 'corr-1',
        causationid: 'cause-1',
        streamid: 'parcel-77',
      });
      const answer = created(await postStructured(sent));
      expect(answer).toMatchObject({
        correlationid: 'corr-1',
        causationid: 'cause-1',
        streamid: 'parcel-77',
        streamversion: 1,
      });
    });

    it.each(['position', 'streamversion', 'recordedat'])(
      'refuses %s, which the store assigns',
      async (name) => {
        await refused(() => postStructured(event({ [name]: 1 })), name);
      },
    );
  });

  describe('invalid events get 400 with the rule they broke, and nothing is stored', () => {
    describe.each(['id', 'source', 'specversion', 'type'])(
      'REQUIRED attribute %s',
      (name) => {
        it('is refused when missing (structured)', async () => {
          const message = await refused(
            () => postStructured(event({ [name]: undefined })),
            name,
          );
          expect(message).toMatch(/required/);
        });

        it('is refused when missing (binary)', async () => {
          await refused(
            () => postBinary(ceHeaders({ [`ce-${name}`]: undefined })),
            `ce-${name}`,
          );
        });

        it('is refused when null (structured: null means absent)', async () => {
          await refused(() => postStructured(event({ [name]: null })), name);
        });
      },
    );

    it.each(['id', 'source', 'type', 'subject'])(
      'refuses an empty %s',
      async (name) => {
        await refused(() => postStructured(event({ [name]: '' })), name);
      },
    );

    it.each([['0.3'], ['1.1'], ['2.0'], [1]])(
      'refuses specversion %s: only 1.0 is accepted',
      async (version) => {
        const message = await refused(
          () => postStructured(event({ specversion: version })),
          'specversion',
        );
        expect(message).toMatch(/1\.0/);
      },
    );

    it('refuses ce-specversion 0.3 in binary mode', async () => {
      await refused(
        () => postBinary(ceHeaders({ 'ce-specversion': '0.3' })),
        'ce-specversion',
      );
    });

    it.each([['myExt'], ['my_ext'], ['my-ext'], ['Ünicode']])(
      'refuses the attribute name %s: lower-case a-z and 0-9 only',
      async (name) => {
        const message = await refused(
          () => postStructured(event({ [name]: 'x' })),
          name,
        );
        expect(message).toMatch(/lower-case/);
      },
    );

    it('refuses an extension header whose name has other characters (binary)', async () => {
      await refused(
        () => postBinary(ceHeaders({ 'ce-my_ext': 'x' })),
        'ce-my_ext',
      );
    });

    it.each([
      ['yesterday'],
      ['2024-05-01'],
      ['2024-02-30T00:00:00Z'],
      ['2024-05-01T25:00:00Z'],
      ['2024-05-01 12:00:00Z'],
      [12345],
    ])('refuses the time %s: RFC 3339 only', async (time) => {
      await refused(() => postStructured(event({ time })), 'time');
    });

    it('refuses an invalid ce-time instead of replacing it with the current time', async () => {
      await refused(
        () => postBinary(ceHeaders({ 'ce-time': 'not-a-time' })),
        'ce-time',
      );
    });

    it('refuses a source that is not a URI-reference', async () => {
      await refused(
        () => postStructured(event({ source: 'has spaces and ^' })),
        'source',
      );
    });

    it('refuses a dataschema that is not an absolute URI', async () => {
      await refused(
        () => postStructured(event({ dataschema: 'relative/schema.json' })),
        'dataschema',
      );
    });

    it('refuses a datacontenttype that is not a media type', async () => {
      await refused(
        () => postStructured(event({ datacontenttype: 'json' })),
        'datacontenttype',
      );
    });

    it.each([
      ['an object', { a: 1 }],
      ['an array', [1]],
      ['a fraction', 1.5],
      ['an integer beyond 32 bits', 2 ** 31],
    ])('refuses an extension value that is %s', async (_name, value) => {
      await refused(
        () => postStructured(event({ comexampleext: value })),
        'comexampleext',
      );
    });

    it.each([
      ['a control character', 'line\nbreak'],
      ['a C1 control character', 'x\u0085y'],
      ['an unpaired surrogate', 'x\ud800y'],
      ['a noncharacter', 'x\ufffey'],
    ])('refuses a string attribute containing %s', async (_name, value) => {
      await refused(() => postStructured(event({ subject: value })), 'subject');
    });

    it('refuses data together with data_base64 (JSON format 3.1.1)', async () => {
      await refused(
        () =>
          postStructured(
            event({
              data: 'x',
              data_base64: Buffer.from('x').toString('base64'),
            }),
          ),
        'data_base64',
      );
    });

    it.each([['not base64!'], ['abc'], [42]])(
      'refuses data_base64 %s',
      async (value) => {
        await refused(
          () => postStructured(event({ data_base64: value })),
          'data_base64',
        );
      },
    );

    it('refuses non-string data with a datacontenttype that is not JSON', async () => {
      await refused(
        () =>
          postStructured(
            event({ datacontenttype: 'application/xml', data: { a: 1 } }),
          ),
        'data',
      );
    });

    it('refuses a ce-datacontenttype header (HTTP binding 3.1.1)', async () => {
      await refused(
        () =>
          postBinary(
            ceHeaders({
              'ce-datacontenttype': 'application/json',
              'content-type': 'application/json',
            }),
            '{}',
          ),
        'ce-datacontenttype',
      );
    });

    it.each([
      ['a stray %', 'value%zz'],
      ['a truncated escape', 'value%4'],
      ['an overlong UTF-8 encoding', '%C0%A0'],
      ['a lone continuation byte', '%80'],
    ])('refuses a header value with %s', async (_name, value) => {
      await refused(
        () => postBinary(ceHeaders({ 'ce-subject': value })),
        'ce-subject',
      );
    });

    it('refuses a binary body that is not the JSON its Content-Type declares', async () => {
      await refused(
        () =>
          postBinary(
            ceHeaders({ 'content-type': 'application/json' }),
            '{not json',
          ),
        'body',
      );
    });

    it.each([
      ['an array', '[1,2]'],
      ['a string', '"event"'],
    ])('refuses a structured body that is %s', async (_name, body) => {
      await refused(() => postStructured(body), 'body');
    });

    it('refuses malformed JSON in structured mode', async () => {
      const before = (await allEvents(api)).length;
      const response = await postStructured('{"specversion":');
      expectClientError(response, 400);
      expect((await allEvents(api)).length).toBe(before);
    });

    it('refuses an event type outside this store’s naming rule', async () => {
      const message = await refused(
        () => postStructured(event({ type: 'Com.Example.Upper' })),
        'type',
      );
      expect(message).toMatch(/lower-case/);
    });

    it('answers 415 for an event format it cannot read', async () => {
      await refused(
        () => postStructured(event(), 'application/cloudevents+avro'),
        'avro',
        415,
      );
    });
  });

  describe('content types and limits', () => {
    it('still answers 415 to a non-JSON body without ce-* headers', async () => {
      const response = await api.request({
        method: 'POST',
        url: '/events',
        payload: 'type=a.b',
        headers: { 'content-type': 'application/octet-stream' },
      });
      expectClientError(response, 415);
    });

    it('answers 415 to CloudEvents media types on routes that do not take events', async () => {
      const response = await api.request({
        method: 'POST',
        url: '/users',
        payload: JSON.stringify({ email: 'ce@example.com', name: 'CE' }),
        headers: { 'content-type': STRUCTURED },
      });
      expectClientError(response, 415);
    });

    it('leaves JSON bodies with ce-* headers on other routes alone', async () => {
      const response = await api.request({
        method: 'POST',
        url: '/users',
        payload: JSON.stringify({ email: 'ce-header@example.com', name: 'CE' }),
        headers: { 'content-type': 'application/json', 'ce-id': 'x' },
      });
      expect(response.statusCode, response.body).toBe(201);
    });

    it.each([['application/octet-stream'], ['application/json'], [undefined]])(
      'refuses a binary body over server.body_limit with 413 (Content-Type %s)',
      async (contentType) => {
        const headers = ceHeaders(
          contentType ? { 'content-type': contentType } : {},
        );
        await refused(
          () =>
            postBinary(
              headers,
              Buffer.alloc(BODY_LIMIT + 1, contentType ? 0x20 : 0x61),
            ),
          undefined,
          413,
        );
      },
    );

    it('refuses a structured body over server.body_limit with 413', async () => {
      const big = event({ data: 'x'.repeat(BODY_LIMIT) });
      await refused(() => postStructured(big), undefined, 413);
    });
  });

  describe('egress: GET /events answers CloudEvents', () => {
    it('answers GET /events/:id as application/cloudevents+json when asked to', async () => {
      const sent = event({ data: { n: 1 } });
      created(await postStructured(sent));
      const url = `/events/${sent.id}?source=%2Fconformance`;

      const asked = await api.request({
        method: 'GET',
        url,
        headers: { accept: 'application/cloudevents+json' },
      });
      const plain = await api.request({ method: 'GET', url });

      expect(String(asked.headers['content-type'])).toMatch(
        /^application\/cloudevents\+json/,
      );
      expect(String(plain.headers['content-type'])).toMatch(
        /^application\/json/,
      );
      expect(asked.json()).toEqual(plain.json());
    });

    it('answers a page as a CloudEvents batch, linking the next page', async () => {
      const response = await api.request({
        method: 'GET',
        url: '/events?limit=2&type=com.example.conformance',
        headers: { accept: 'application/cloudevents-batch+json' },
      });

      expect(response.statusCode).toBe(200);
      expect(String(response.headers['content-type'])).toMatch(
        /^application\/cloudevents-batch\+json/,
      );
      const page = response.json<CloudEvent[]>();
      expect(page).toHaveLength(2);
      expect(page[0].specversion).toBe('1.0');
      const link = String(response.headers.link);
      expect(link).toMatch(/rel="next"/);
      const next = /<([^>]+)>/.exec(link)?.[1] as string;
      expect(next).toContain(`after=${page[1].position}`);
      expect(next).toContain('type=com.example.conformance');

      const following = await api.request({
        method: 'GET',
        url: next,
        headers: { accept: 'application/cloudevents-batch+json' },
      });
      expect(following.json<CloudEvent[]>()[0].position).toBeGreaterThan(
        page[1].position,
      );
    });
  });

  async function expectMissing(id: string): Promise<void> {
    const response = await api.request({
      method: 'GET',
      url: `/events/${encodeURIComponent(id)}`,
    });
    expect(response.statusCode).toBe(404);
  }
});
