import fc from 'fast-check';
import {
  eventType,
  fresh,
  headerText,
  hostileString,
  hostileValue,
  instantText,
  mutated,
  patternText,
  ref,
  Token,
  uuidText,
} from './fuzz-values.js';

/** What a request carries besides its URL: a body and the headers that describe it. */
export interface Payload {
  body?: { json: unknown } | { raw: string | Uint8Array };
  headers: [string, string | Token][];
}

const json = (value: unknown, contentType = 'application/json'): Payload => ({
  body: { json: value },
  headers: [['content-type', contentType]],
});

const raw = (text: string | Uint8Array, contentType?: string): Payload => ({
  body: { raw: text },
  headers: contentType ? [['content-type', contentType]] : [],
});

/** Content types a client may send, right or wrong for the route. */
export const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/cloudevents+json',
  'APPLICATION/CLOUDEVENTS+JSON; charset=utf-8',
  'application/cloudevents-batch+json',
  'text/plain',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/xml',
  'application/foo+json',
  'application/*',
  ';;',
);

const validInstant = fc
  .date({
    min: new Date('2000-01-01T00:00:00Z'),
    max: new Date('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  })
  .map((date) => date.toISOString());

const instant = fc.oneof(
  { weight: 10, arbitrary: validInstant },
  { weight: 1, arbitrary: instantText },
);

/**
 * Mostly fresh ids, unique per request, so a refused one can be looked for afterwards; a few
 * shared ones that collide on purpose (idempotency, concurrent duplicates).
 */
const eventId = fc.oneof(
  { weight: 8, arbitrary: fresh('freshEventId') },
  { weight: 1, arbitrary: fresh('freshParkedEventId') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('fz-shared-0', 'fz-shared-1', 'fz-shared-2'),
  },
);

const source = fc.oneof({
  weight: 6,
  arbitrary: fc.constantFrom(
    '/fuzz',
    '/shipping',
    'urn:fuzz:1',
    'https://example.com/source',
    '/nest-event-starter',
  ),
});

const streamId = fc.oneof(
  {
    weight: 7,
    arbitrary: fc.integer({ min: 0, max: 7 }).map((k) => `fz-stream-${k}`),
  },
  { weight: 1, arbitrary: ref('userStream') },
  { weight: 1, arbitrary: ref('streams') },
  { weight: 1, arbitrary: hostileString },
);

const data = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1_000, max: 60_000 })
      .map((size) => ({ blob: 'x'.repeat(size) })),
  },
);

const expectedVersion = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 4 }) },
  { weight: 1, arbitrary: hostileValue },
);

const subject = fc.string({ minLength: 1, maxLength: 30 });

/** The application's own JSON body for POST /events. */
const ownEvent = fc.oneof(
  {
    weight: 8,
    arbitrary: mutated(
      fc.record(
        {
          type: eventType,
          id: eventId,
          data,
          source,
          subject,
          time: instant,
          aggregate_id: streamId,
        },
        { requiredKeys: ['type', 'id'] },
      ),
      8,
    ),
  },
  // Appends to a stream at an expected version: stale ones answer 409.
  {
    weight: 2,
    arbitrary: mutated(
      fc.record({
        type: eventType,
        id: eventId,
        data,
        aggregate_id: streamId,
        expected_version: expectedVersion,
      }),
    ),
  },
  // Without an id: the store assigns one; only the final census can vouch for these.
  {
    weight: 1,
    arbitrary: fc.record(
      { type: eventType, payload: data, time: instant },
      { requiredKeys: ['type'] },
    ),
  },
  // data and payload together, expected_version without aggregate_id: refused.
  {
    weight: 1,
    arbitrary: fc.record({
      type: eventType,
      id: eventId,
      data,
      payload: data,
      expected_version: expectedVersion,
    }),
  },
);

const extensionValue = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) },
  { weight: 1, arbitrary: fc.boolean() },
);

/** data as its datacontenttype declares it: JSON for a JSON type, text otherwise. */
const typedData = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        datacontenttype: fc.constantFrom(
          'application/json',
          'application/vnd.fz+json',
        ),
        data,
      },
      { requiredKeys: [] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      datacontenttype: fc.constantFrom('text/plain', 'application/xml'),
      data: fc.string({ maxLength: 60 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      datacontenttype: fc.constant('application/octet-stream'),
      data_base64: fc
        .uint8Array({ maxLength: 32 })
        .map((bytes) => Buffer.from(bytes).toString('base64')),
    }),
  },
);

const structuredCore = fc
  .tuple(
    fc.record(
      {
        specversion: fc.oneof(
          { weight: 20, arbitrary: fc.constant('1.0') },
          { weight: 1, arbitrary: fc.constantFrom('0.3', '1', '1.0 ', '') },
        ),
        id: eventId,
        source,
        type: eventType,
        time: instant,
        subject,
        fzext: extensionValue,
      },
      { requiredKeys: ['specversion', 'id', 'source', 'type'] },
    ),
    typedData,
  )
  .map(([attributes, content]) => ({ ...attributes, ...content }));

/** Extension attributes the store takes as the event's own. */
const acceptedExtras = fc.record(
  {
    causationid: fc.oneof(ref('events'), subject),
    correlationid: subject,
    streamid: streamId,
    dataschema: fc.constant('https://example.com/schema.json'),
  },
  { requiredKeys: [] },
);

/** Attributes the store assigns, names the spec forbids, and combinations it refuses. */
const refusedExtra = fc.oneof(
  fc.record({ position: fc.integer() }),
  fc.record({ streamversion: fc.integer() }),
  fc.record({ recordedat: validInstant }),
  fc.record({ Upper: fc.string() }),
  fc.record({ 'bad-name': fc.string() }),
  fc.record({ dataschema: fc.constantFrom('relative/path', '::') }),
  fc.record({ fzext: hostileValue }),
  fc.record({
    data: fc.string(),
    data_base64: fc.constantFrom('not base64!', '===', 'eA=='),
  }),
);

const structuredEvent = fc.oneof(
  { weight: 10, arbitrary: structuredCore },
  {
    weight: 3,
    arbitrary: fc
      .tuple(structuredCore, acceptedExtras)
      .map(([core, extra]) => ({ ...core, ...extra })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(structuredCore, refusedExtra)
      .map(([core, extra]) => ({ ...core, ...extra })),
  },
  { weight: 2, arbitrary: mutated(structuredCore, 2) },
);

const batch = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.array(
      fc.oneof({ weight: 12, arbitrary: structuredCore }, structuredEvent),
      { maxLength: 5 },
    ),
  },
  // Over event.bus.max_batch (the fuzz runs with 100): 413, nothing stored.
  {
    weight: 1,
    arbitrary: fc.array(structuredCore, { minLength: 101, maxLength: 110 }),
  },
  // One event twice in the same batch.
  {
    weight: 1,
    arbitrary: structuredCore.map((event) => [event, { ...event }]),
  },
  { weight: 1, arbitrary: hostileValue },
);

/** A batch within event.bus.max_batch (100 in the fuzz run) but large. */
export const largeBatchPayload = fc
  .array(
    fc.record({
      specversion: fc.constant('1.0'),
      id: eventId,
      source,
      type: fc.constantFrom('fz.thing.done', 'fz.hook.ping', 'parcel.shipped'),
      data: fc.jsonValue({ maxDepth: 2 }),
    }),
    { minLength: 50, maxLength: 100 },
  )
  .map((events) => json(events, 'application/cloudevents-batch+json'));

/** A ce-* header value: percent-encoded text per HTTP binding 3.1.3.2, or broken encodings. */
const ceText = fc.oneof(
  { weight: 4, arbitrary: headerText },
  {
    weight: 1,
    arbitrary: fc.constantFrom('%', '%ZZ', '%C3%28', '%00', '%E2%82', '%20x'),
  },
);

const binaryAttributes = mutated(
  fc.record(
    {
      'ce-specversion': fc.oneof(
        { weight: 20, arbitrary: fc.constant('1.0') },
        { weight: 1, arbitrary: ceText },
      ),
      'ce-id': eventId,
      'ce-source': source,
      'ce-type': eventType,
      'ce-time': instant,
      'ce-subject': fc.oneof(
        {
          weight: 6,
          arbitrary: headerText.filter((text) => text.trim() !== ''),
        },
        { weight: 1, arbitrary: ceText },
      ),
      'ce-fzext': headerText,
    },
    {
      requiredKeys: ['ce-specversion', 'ce-id', 'ce-source', 'ce-type'],
    },
  ),
  6,
);

const binaryData: fc.Arbitrary<Payload> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((value) => json(value)),
  fc.string({ maxLength: 100 }).map((text) => raw(text, 'text/plain')),
  fc
    .uint8Array({ maxLength: 100 })
    .map((bytes) => raw(bytes, 'application/octet-stream')),
  fc.uint8Array({ maxLength: 100 }).map((bytes) => raw(bytes)),
  fc.constant<Payload>({ headers: [] }),
  fc
    .tuple(fc.string({ maxLength: 60 }), contentType)
    .map(([text, type]) => raw(text, type)),
);

const binaryEvent: fc.Arbitrary<Payload> = fc
  .tuple(binaryAttributes, binaryData)
  .map(([attributes, payload]) => ({
    body: payload.body,
    headers: [
      ...payload.headers,
      ...Object.entries(
        typeof attributes === 'object' && attributes !== null ? attributes : {},
      ).map(([name, value]): [string, string | Token] => [
        name.startsWith('ce-') ? name : `ce-${name}`,
        headerValue(value),
      ]),
    ],
  }));

/** POST /events in every content mode, plus re-sending an event that is already stored. */
export const eventPayload: fc.Arbitrary<Payload> = fc.oneof(
  { weight: 4, arbitrary: ownEvent.map((event) => json(event)) },
  {
    weight: 3,
    arbitrary: structuredEvent.map((event) =>
      json(event, 'application/cloudevents+json'),
    ),
  },
  {
    weight: 2,
    arbitrary: batch.map((events) =>
      json(events, 'application/cloudevents-batch+json'),
    ),
  },
  { weight: 3, arbitrary: binaryEvent },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.nat(), eventType).map(([index, type]) =>
      json({
        type,
        id: new Token('events', index),
        source: new Token('eventSource', index),
      }),
    ),
  },
);

const email = fc.oneof(
  { weight: 6, arbitrary: fresh('freshEmail') },
  { weight: 1, arbitrary: fc.constant('fz-taken@example.com') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'no-at-sign',
      '@example.com',
      'a@',
      'a@b',
      `${'a'.repeat(320)}@example.com`,
      'ünï@exämple.com',
      'a@example.com\n',
    ),
  },
  { weight: 1, arbitrary: hostileString },
);

const name = fc.oneof(
  { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'a'.repeat(201)) },
  { weight: 1, arbitrary: hostileString },
);

export const userPayload = mutated(fc.record({ email, name })).map((body) =>
  json(body),
);

export const userPatchPayload = mutated(
  fc.record({ email, name }, { requiredKeys: [] }),
).map((body) => json(body));

const CATALOGUE: Record<string, number> = {
  widget: 25,
  gadget: 120,
  gizmo: 4000,
  'sold-out': 15,
};

const catalogueItem = fc
  .tuple(
    fc.constantFrom(...Object.keys(CATALOGUE)),
    fc.integer({ min: 1, max: 3 }),
  )
  .map(([product, quantity]) => ({
    product_id: product,
    quantity,
    price: CATALOGUE[product],
  }));

const orderItems = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.uniqueArray(catalogueItem, {
      minLength: 1,
      maxLength: 3,
      selector: (item) => item.product_id,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.array(
      mutated(
        fc.record({
          product_id: fc.constantFrom('widget', 'nope', ''),
          quantity: fc.integer({ min: -1, max: 1001 }),
          price: fc.oneof(fc.double(), fc.constantFrom(25, 1e-7, 25.001)),
        }),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.array(catalogueItem, { minLength: 51, maxLength: 55 }),
  },
  { weight: 1, arbitrary: fc.constant([]) },
);

export const orderPayload = mutated(
  fc.record({
    user_id: fc.oneof(
      { weight: 6, arbitrary: ref('users') },
      { weight: 1, arbitrary: uuidText },
    ),
    items: orderItems,
  }),
  6,
).map((body) => json(body));

const secret = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .uint8Array({ minLength: 24, maxLength: 64 })
      .map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc
        .uint8Array({ minLength: 1, maxLength: 80 })
        .map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`),
      fc.constantFrom('whsec_', 'whsec_!!!!', 'secret'),
    ),
  },
);

export const webhookPayload = mutated(
  fc.record(
    {
      name: fc.oneof(
        { weight: 6, arbitrary: fresh('freshWebhook') },
        { weight: 1, arbitrary: ref('webhooks') },
      ),
      pattern: fc.oneof(
        {
          weight: 6,
          arbitrary: fc.constantFrom(
            'fz.hook.*',
            'fz.hook.**',
            'parcel.shipped',
            'user.deleted',
          ),
        },
        { weight: 1, arbitrary: patternText },
      ),
      url: fc.oneof(
        { weight: 6, arbitrary: fresh('receiverUrl') },
        {
          weight: 2,
          arbitrary: fc.constantFrom(
            'http://127.0.0.1:1/hook',
            'http://169.254.169.254/latest/meta-data',
            'http://localhost/hook',
            'http://[::1]/hook',
            'http://[::ffff:127.0.0.1]/hook',
            'http://0x7f000001/hook',
            'http://2130706433/hook',
            'ftp://127.0.0.1/hook',
            'file:///etc/passwd',
            'javascript:alert(1)',
            'http://127.0.0.1:99999/hook',
            'https://user:password@127.0.0.1/hook',
            'not a url',
          ),
        },
        { weight: 1, arbitrary: hostileString },
      ),
      mode: fc.constantFrom('structured', 'binary'),
      secret,
      start_from: fc.constantFrom('now', 'beginning'),
    },
    { requiredKeys: ['name', 'pattern', 'url'] },
  ),
  6,
).map((body) => json(body));

const position = fc.integer({ min: 1, max: 5_000 });

/** What a replay covers: everything, a range of positions or of times, or a rebuild. */
const replayScope = fc.oneof(
  fc.constant({}),
  fc.record(
    { from_position: position, to_position: position },
    { requiredKeys: ['from_position'] },
  ),
  fc.record({ since: instant, until: instant }, { requiredKeys: ['since'] }),
  fc.constant({ reset: true }),
);

const replayNarrowing = fc.record(
  {
    types: fc.oneof(
      {
        weight: 6,
        arbitrary: fc.array(patternText, { minLength: 1, maxLength: 3 }),
      },
      {
        weight: 1,
        arbitrary: fc.array(patternText, { minLength: 51, maxLength: 60 }),
      },
    ),
    aggregate_id: streamId,
    dry_run: fc.boolean(),
  },
  { requiredKeys: [] },
);

export const replayPayload = mutated(
  fc
    .tuple(ref('subscriptions'), replayScope, replayNarrowing)
    .map(([subscription, scope, narrowing]) => ({
      subscription,
      ...scope,
      ...('reset' in scope ? {} : narrowing),
    })),
  6,
).map((body) => json(body));

/** Bodies no route expects: any JSON, deep nesting, large arrays, non-JSON text and bytes. */
export const anyPayload: fc.Arbitrary<Payload> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.jsonValue({ maxDepth: 4 }), contentType)
      .map(([value, type]) => json(value, type)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom(64, 129, 1_000, 10_000, 40_000),
        fc.boolean(),
        contentType,
      )
      .map(([depth, arrays, type]) =>
        raw(
          arrays
            ? '['.repeat(depth) + ']'.repeat(depth)
            : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
          type,
        ),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1_000, max: 60_000 })
      .map((length) =>
        raw(`[${Array(length).fill('0').join(',')}]`, 'application/json'),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 10_000, max: 300_000 })
      .map((length) => json('x'.repeat(length))),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.constantFrom(
            '{',
            '{"a":',
            'null',
            '"text"',
            '1e999',
            'NaN',
            '\ufeff{}',
            '{"__proto__":{"polluted":1}}',
            '{"constructor":{"prototype":{"polluted":1}}}',
            '{"a":1,"a":2}',
            '[1,]',
            "{'a':1}",
            '',
            ' ',
          ),
        ),
        fc.option(contentType, { nil: undefined }),
      )
      .map(([text, type]) => raw(text, type)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.uint8Array({ maxLength: 64 }),
        fc.option(contentType, { nil: undefined }),
      )
      .map(([bytes, type]) => raw(bytes, type)),
  },
);

/** Header values are text: anything else is written as JSON, non-ASCII percent-encoded. */
function headerValue(value: unknown): string | Token {
  if (value instanceof Token) return value;
  const text =
    typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return text.replace(/[^\x20-\x7e]/gu, (character) => {
    try {
      return encodeURIComponent(character);
    } catch {
      return '%EF%BF%BD'; // a lone surrogate
    }
  });
}
