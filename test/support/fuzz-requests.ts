import fc from 'fast-check';
import {
  anyPayload,
  contentType,
  eventPayload,
  largeBatchPayload,
  orderPayload,
  replayPayload,
  userPatchPayload,
  userPayload,
  webhookPayload,
  type Payload,
} from './fuzz-bodies.js';
import type { FuzzRoute, QueryParameter } from './fuzz-routes.js';
import {
  dayText,
  garbageSegment,
  headerText,
  hostileString,
  instantText,
  numberText,
  patternText,
  ref,
  Token,
  uuidText,
  type PoolName,
} from './fuzz-values.js';

/** One generated request, before the tokens in it are given values. */
export interface RequestPlan {
  method: string;
  /** The route it targets; undefined for a path or method no route has. */
  route: FuzzRoute | undefined;
  /** The URL pattern with its parameters still to fill in (`:id`, `*`). */
  url: string;
  segments: (string | Token)[];
  query: QueryPart[];
  payload: Payload;
  /** Replaces (or, with null, removes) the payload's headers of the same name. */
  overlay: [string, string | Token | null][];
  /** Sent this many times at once, each copy with its own fresh ids (a burst). */
  copies: number;
}

interface QueryPart {
  key: string;
  value: string | Token;
  /** Sent as it is, without percent-encoding (`%`, `&` and `=` included). */
  raw: boolean;
}

/** Which things a path parameter names, by the route it belongs to. */
function poolOf(url: string, param: string): PoolName | 'eventId' | 'any' {
  if (url.startsWith('/users/')) return 'users';
  if (url.startsWith('/orders/')) return 'orders';
  if (url.startsWith('/events/dead-letters/')) return 'deadLetters';
  if (url.startsWith('/events/replay/')) return 'replays';
  if (url.startsWith('/subscriptions/')) return 'webhooks';
  if (url.startsWith('/streams/')) return 'streams';
  if (url.startsWith('/events/') && param === 'id') return 'eventId';
  return 'any';
}

const ANY_POOL: PoolName[] = [
  'users',
  'orders',
  'events',
  'deadLetters',
  'replays',
  'webhooks',
  'streams',
];

function pathValue(url: string, param: string): fc.Arbitrary<string | Token> {
  if (param === '*') {
    return fc.oneof(
      fc.constantFrom(
        'index.html',
        'swagger-ui.css',
        '../package.json',
        '..%2F..%2Fpackage.json',
        '%2e%2e/%2e%2e/package.json',
        '..%5C..%5Cpackage.json',
        'docs/../../package.json',
      ),
      garbageSegment,
    );
  }
  const pool = poolOf(url, param);
  const known: fc.Arbitrary<Token> =
    pool === 'any'
      ? fc.constantFrom(...ANY_POOL).chain((name) => ref(name))
      : pool === 'streams'
        ? fc.oneof(ref('streams'), ref('userStream'), ref('orderStream'))
        : ref(pool === 'eventId' ? 'events' : pool);
  return fc.oneof(
    { weight: 8, arbitrary: known },
    { weight: 1, arbitrary: uuidText.map(encodeURIComponent) },
    { weight: 2, arbitrary: garbageSegment },
  );
}

/** A value for a documented query parameter, by its schema and its name. */
function queryValue(
  route: FuzzRoute,
  { name, schema }: QueryParameter,
): fc.Arbitrary<string | Token> {
  const hostile = { weight: 1, arbitrary: hostileString };
  if (schema.type === 'number' || schema.type === 'integer') {
    return fc.oneof({ weight: 6, arbitrary: numberText }, hostile);
  }
  if (schema.enum) {
    return fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...schema.enum) },
      hostile,
    );
  }
  const known: Record<string, fc.Arbitrary<string | Token>> = {
    user_id: ref('users'),
    after: ref('deadLetters'),
    aggregate_id: fc.oneof(
      ref('streams'),
      ref('userStream'),
      ref('orderStream'),
    ),
    correlation_id: ref('correlations'),
    source: ref('eventSource'),
    subscription: ref('subscriptions'),
    type: patternText,
    since: route.url === '/analytics' ? dayText : instantText,
    until: route.url === '/analytics' ? dayText : instantText,
  };
  const arbitraries = [
    ...(known[name] ? [{ weight: 6, arbitrary: known[name] }] : []),
    ...(schema.format === 'uuid' ? [{ weight: 2, arbitrary: uuidText }] : []),
    hostile,
  ];
  return fc.oneof(...arbitraries);
}

const unknownKey = fc.constantFrom(
  'foo',
  '__proto__',
  'constructor',
  'toString',
  'limit[]',
  'a[b]',
  '',
  'LIMIT',
  'x'.repeat(300),
);

function queryPart(route: FuzzRoute): fc.Arbitrary<QueryPart> {
  const known = route.query.map((parameter) =>
    queryValue(route, parameter).map(
      (value) => [parameter.name, value] as const,
    ),
  );
  const unknown = fc.tuple(unknownKey, fc.oneof(hostileString, numberText));
  const pair =
    known.length > 0
      ? fc.oneof(
          { weight: 6, arbitrary: fc.oneof(...known) },
          { weight: 1, arbitrary: unknown },
        )
      : unknown;
  return fc
    .tuple(pair, fc.nat({ max: 9 }))
    .map(([[key, value], dice]) => ({ key, value, raw: dice === 0 }));
}

/** At most one in `outOf` plans carries the header (null: remove it). */
function sometimes<T>(
  arbitrary: fc.Arbitrary<T>,
  outOf = 6,
): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { weight: outOf - 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: arbitrary },
  );
}

const correlationId = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9._:@/+=-]{1,64}$/) },
  { weight: 2, arbitrary: ref('correlations') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      'x'.repeat(129),
      'has space',
      'semi;colon',
      'quote"d',
      '<id>',
      '%20',
    ),
  },
);

const accept = fc.constantFrom(
  'application/json',
  'application/cloudevents+json',
  'application/cloudevents-batch+json',
  'application/cloudevents-batch+json;q=0.5, application/json',
  'application/cloudevents-batch+json; q=0',
  'text/html',
  '*/*',
  'application/*',
  'application/xml',
  '',
  'garbage;;q=x',
);

const traceparent = fc.oneof(
  fc.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/),
  fc.constantFrom(
    '00-00000000000000000000000000000000-0000000000000000-00',
    'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    '00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01',
    'garbage',
    '',
  ),
  headerText,
);

/** Binary-mode headers sent where no CloudEvent is expected. */
const strayCeHeaders = fc.constantFrom<[string, string][]>(
  [['ce-id', 'stray']],
  [
    ['ce-specversion', '1.0'],
    ['ce-id', 'stray'],
    ['ce-source', '/fuzz'],
    ['ce-type', 'fz.stray'],
  ],
);

const overlay: fc.Arbitrary<[string, string | Token | null][]> = fc
  .record({
    correlation: sometimes(correlationId, 3),
    accept: sometimes(accept, 3),
    traceparent: sometimes(traceparent, 4),
    contentType: sometimes(fc.option(contentType, { nil: null }), 10),
    ce: sometimes(strayCeHeaders, 20),
  })
  .map(({ correlation, accept, traceparent, contentType, ce }) => {
    const headers: [string, string | Token | null][] = [];
    if (correlation !== undefined)
      headers.push(['x-correlation-id', correlation]);
    if (accept !== undefined) headers.push(['accept', accept]);
    if (traceparent !== undefined) headers.push(['traceparent', traceparent]);
    if (contentType !== undefined) headers.push(['content-type', contentType]);
    if (ce !== undefined) headers.push(...ce);
    return headers;
  });

const noBody: Payload = { headers: [] };

/** The bodies a route is built for, mostly; sometimes anything at all. */
function payloadFor(route: FuzzRoute): fc.Arbitrary<Payload> {
  const own: Record<string, fc.Arbitrary<Payload>> = {
    'POST /events': eventPayload,
    'POST /users': userPayload,
    'PATCH /users/:id': userPatchPayload,
    'POST /orders': orderPayload,
    'POST /subscriptions': webhookPayload,
    'POST /events/replay': replayPayload,
  };
  const expected = own[`${route.method} ${route.url}`];
  if (expected) {
    return fc.oneof(
      { weight: 8, arbitrary: expected },
      { weight: 1, arbitrary: anyPayload },
    );
  }
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(noBody) },
    { weight: 1, arbitrary: anyPayload },
  );
}

function routePlan(route: FuzzRoute): fc.Arbitrary<RequestPlan> {
  return fc
    .record({
      segments: fc.tuple(
        ...route.params.map((param) => pathValue(route.url, param)),
      ),
      query: fc.oneof(
        { weight: 2, arbitrary: fc.constant<QueryPart[]>([]) },
        { weight: 3, arbitrary: fc.array(queryPart(route), { maxLength: 6 }) },
      ),
      payload: payloadFor(route),
      overlay,
    })
    .map(({ segments, query, payload, overlay }) => ({
      method: route.method,
      route,
      url: route.url,
      segments,
      query,
      payload,
      overlay,
      copies: 1,
    }));
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const UNROUTED_PATHS = [
  '/',
  '/nope',
  '/events/',
  '//events',
  '/EVENTS',
  '/events/a/b/c/d',
  '/users/%2e%2e/%2e%2e/events',
  '/docs/../../package.json',
  '/.env',
  '/%',
  '/users/x/history/more',
];

/** Paths no route has, and routes called with a method they do not take. */
function strayPlan(routes: FuzzRoute[]): fc.Arbitrary<RequestPlan> {
  const methodsOf = new Map<string, Set<string>>();
  for (const route of routes) {
    const methods = methodsOf.get(route.url) ?? new Set<string>();
    methods.add(route.method);
    methodsOf.set(route.url, methods);
  }
  const wrongMethod = fc.constantFrom(...routes).chain((route) => {
    const others = METHODS.filter(
      (method) => !methodsOf.get(route.url)?.has(method),
    );
    return others.length === 0
      ? routePlan(route)
      : fc
          .tuple(routePlan(route), fc.constantFrom(...others))
          .map(([plan, method]): RequestPlan => ({
            ...plan,
            method,
            route: undefined,
          }));
  });
  const unrouted = fc
    .tuple(
      fc.constantFrom(...METHODS),
      fc.constantFrom(...UNROUTED_PATHS),
      anyPayload,
      overlay,
    )
    .map(([method, url, payload, overlay]): RequestPlan => ({
      method,
      route: undefined,
      url,
      segments: [],
      query: [],
      payload,
      overlay,
      copies: 1,
    }));
  return fc.oneof(wrongMethod, unrouted);
}

/**
 * A request against any route of the application: each route as often as any other, the
 * routes that write (and POST /events above all) more often, and a few stray requests.
 */
export function requestPlan(routes: FuzzRoute[]): fc.Arbitrary<RequestPlan> {
  const writes = routes.filter(
    (route) => route.method !== 'GET' && route.method !== 'HEAD',
  );
  const publish = routes.filter(
    (route) => route.method === 'POST' && route.url === '/events',
  );
  // Large batches at once: more events than event.bus.buffer_size wait for commit (503).
  const burst = fc
    .tuple(
      fc.constantFrom(...publish).chain(routePlan),
      largeBatchPayload,
      fc.integer({ min: 3, max: 6 }),
    )
    .map(([plan, payload, copies]) => ({
      ...plan,
      payload,
      overlay: [],
      copies,
    }));
  return fc.oneof(
    { weight: 80, arbitrary: fc.constantFrom(...routes).chain(routePlan) },
    { weight: 60, arbitrary: fc.constantFrom(...writes).chain(routePlan) },
    { weight: 60, arbitrary: fc.constantFrom(...publish).chain(routePlan) },
    { weight: 10, arbitrary: strayPlan(routes) },
    { weight: 1, arbitrary: burst },
  );
}
