import { CloudEvent, HTTP, type CloudEventV1 } from 'cloudevents';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './support/test-app.js';

// Round trips with the official SDK on both ends, over real HTTP: an event the SDK emits in
// binary or structured mode is stored with every attribute and reads back equal through the
// SDK's own parser.

describe('CloudEvents round trips with the cloudevents SDK', () => {
  const api = useTestApp();
  let base: string;

  beforeAll(async () => {
    await api.app.listen(0, '127.0.0.1');
    base = (await api.app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  /**
   * POSTs an SDK message. The SDK leaves ce-* header values as they are; the HTTP binding
   * (3.1.3.2) has senders percent-encode them, so the client does that step itself
   * (encodeURIComponent also encodes characters that need not be: receivers MUST accept that).
   */
  async function send(message: {
    headers: Record<string, unknown>;
    body: unknown;
  }): Promise<Response> {
    const headers = Object.fromEntries(
      Object.entries(message.headers).map(([name, value]) => [
        name,
        name.startsWith('ce-')
          ? encodeURIComponent(String(value))
          : String(value),
      ]),
    );
    return fetch(`${base}/events`, {
      method: 'POST',
      headers,
      body: message.body as string | Uint8Array,
    });
  }

  /** GET /events/:id as CloudEvents JSON, parsed by the SDK. */
  async function readBack(event: CloudEvent<unknown>) {
    const response = await fetch(
      `${base}/events/${encodeURIComponent(event.id)}?source=${encodeURIComponent(event.source)}`,
      { headers: { accept: 'application/cloudevents+json' } },
    );
    expect(response.status).toBe(200);
    return HTTP.toEvent({
      headers: Object.fromEntries(response.headers),
      body: await response.text(),
    }) as CloudEvent<unknown>;
  }

  /** Every attribute the SDK serializes for `sent` is present and equal in `received`. */
  function expectSameEvent(
    received: CloudEvent<unknown>,
    sent: CloudEvent<unknown>,
  ): void {
    const expected = JSON.parse(sent.toString()) as Record<string, unknown>;
    const actual = JSON.parse(received.toString()) as Record<string, unknown>;
    expect(actual).toMatchObject(expected);
    // The store adds its own extensions, and nothing else but the datacontenttype that
    // JSON format 3.1.2 implies when an event has none.
    const added = ['correlationid', 'position', 'recordedat'];
    if (!('datacontenttype' in expected)) {
      added.push('datacontenttype');
      expect(actual.datacontenttype).toBe('application/json');
    }
    expect(
      Object.keys(actual)
        .filter((key) => !(key in expected))
        .sort(),
    ).toEqual(added.sort());
  }

  const attributes = (id: string): Partial<CloudEventV1<unknown>> => ({
    id,
    source: 'https://sdk.example.com/orders',
    type: 'com.example.order.placed',
    subject: 'order 42 — café',
    time: '2024-05-01T12:34:56.789Z',
    dataschema: 'https://sdk.example.com/schemas/order.json',
    datacontenttype: 'application/json',
  });

  it('binary mode: JSON data, every attribute and string extensions', async () => {
    const sent = new CloudEvent({
      ...attributes('sdk-binary-json'),
      comexampleext: 'value with spaces',
      tenant: 'acme',
      data: { orderId: 42, lines: [{ sku: 'a', qty: 2 }] },
    });

    const response = await send(HTTP.binary(sent));

    expect(response.status, await response.clone().text()).toBe(201);
    const received = await readBack(sent);
    expectSameEvent(received, sent);
    expect(received.data).toEqual(sent.data);
  });

  it('structured mode: JSON data and extensions of every JSON type', async () => {
    const sent = new CloudEvent({
      ...attributes('sdk-structured-json'),
      comexampleext: 'value',
      retries: 3,
      urgent: true,
      data: { orderId: 43, note: 'structured' },
    });

    const response = await send(HTTP.structured(sent));

    expect(response.status, await response.clone().text()).toBe(201);
    expect(response.headers.get('content-type')).toMatch(
      /^application\/cloudevents\+json/,
    );
    expectSameEvent(await readBack(sent), sent);
  });

  it.each([
    ['binary', HTTP.binary],
    ['structured', HTTP.structured],
  ] as const)(
    '%s mode: binary data travels as the same bytes and reads back as data_base64',
    async (mode, serialize) => {
      const bytes = new Uint8Array([0, 1, 2, 127, 128, 254, 255]);
      const sent = new CloudEvent({
        ...attributes(`sdk-${mode}-bytes`),
        datacontenttype: 'application/octet-stream',
        data: bytes,
      });

      const response = await send(serialize(sent));

      expect(response.status, await response.clone().text()).toBe(201);
      const received = await readBack(sent);
      expectSameEvent(received, sent);
      expect(received.data_base64).toBe(Buffer.from(bytes).toString('base64'));
    },
  );

  it.each([
    ['binary', HTTP.binary],
    ['structured', HTTP.structured],
  ] as const)(
    '%s mode: text data of a non-JSON type',
    async (mode, serialize) => {
      const sent = new CloudEvent({
        ...attributes(`sdk-${mode}-text`),
        datacontenttype: 'text/plain',
        data: 'plain text, not JSON',
      });

      const response = await send(serialize(sent));

      expect(response.status, await response.clone().text()).toBe(201);
      const received = await readBack(sent);
      expectSameEvent(received, sent);
      expect(received.data).toBe('plain text, not JSON');
    },
  );

  it('an event with only the required attributes keeps the id and time the SDK gave it', async () => {
    const sent = new CloudEvent({
      source: '/sdk/minimal',
      type: 'com.example.minimal',
    });

    const response = await send(HTTP.binary(sent));

    expect(response.status, await response.clone().text()).toBe(201);
    const received = await readBack(sent);
    expect(received.id).toBe(sent.id);
    expect(received.time).toBe(sent.time);
    expect(received.specversion).toBe('1.0');
  });

  it('sending the same SDK event again is idempotent', async () => {
    const sent = new CloudEvent({
      ...attributes('sdk-twice'),
      data: { n: 1 },
    });
    expect((await send(HTTP.binary(sent))).status).toBe(201);

    const again = await send(HTTP.structured(sent));

    expect(again.status).toBe(200);
    const page = (await fetch(
      `${base}/events?type=com.example.order.placed&limit=1000`,
    ).then((response) => response.json())) as { events: { id: string }[] };
    expect(
      page.events.filter((event) => event.id === 'sdk-twice'),
    ).toHaveLength(1);
  });

  it('a batch of SDK events is stored whole and a page reads back through the SDK batch parser', async () => {
    const sent = [1, 2, 3].map(
      (n) =>
        new CloudEvent({
          id: `sdk-batch-${n}`,
          source: '/sdk/batch',
          type: 'com.example.batched',
          data: { n },
        }),
    );

    const response = await fetch(`${base}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify(sent),
    });
    expect(response.status, await response.clone().text()).toBe(201);

    const page = await fetch(`${base}/events?type=com.example.batched`, {
      headers: { accept: 'application/cloudevents-batch+json' },
    });
    const received = HTTP.toEvent({
      headers: Object.fromEntries(page.headers),
      body: await page.text(),
    }) as CloudEvent<unknown>[];
    expect(received).toHaveLength(3);
    received.forEach((event, index) => expectSameEvent(event, sent[index]));
  });
});
