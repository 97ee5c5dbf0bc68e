import fc from 'fast-check';

/**
 * A value the fuzzer decides on when it generates a request but can only write down when it
 * sends it: something that exists by then (the n-th user created so far), or a fresh id.
 * Generation stays a pure function of the seed; the application's answers fill the pools.
 */
export class Token {
  constructor(
    readonly kind: TokenKind,
    readonly index = 0,
  ) {}
}

export type PoolName =
  | 'users'
  | 'orders'
  | 'events'
  | 'deadLetters'
  | 'replays'
  | 'webhooks'
  | 'streams'
  | 'subscriptions'
  | 'correlations';

export type TokenKind =
  | PoolName
  | 'eventSource'
  | 'userStream'
  | 'orderStream'
  | 'freshEventId'
  | 'freshParkedEventId'
  | 'freshEmail'
  | 'freshWebhook'
  | 'receiverUrl';

export const ref = (pool: TokenKind): fc.Arbitrary<Token> =>
  fc.nat().map((index) => new Token(pool, index));

export const fresh = (kind: TokenKind): fc.Arbitrary<Token> =>
  fc.constant(new Token(kind));

const LONG = 'a'.repeat(5000);

/** encodeURIComponent, with a lone surrogate sent as U+FFFD instead of throwing. */
export function percentEncode(text: string): string {
  return encodeURIComponent(text.replace(/\p{Cs}/gu, '\ufffd'));
}

/** Strings that have broken parsers, validators, SQL or log lines somewhere. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\t\n',
    'null',
    '0',
    '-1',
    'true',
    '[]',
    '{}',
    '__proto__',
    'constructor',
    'hasOwnProperty',
    '../../etc/passwd',
    '..%2F..%2F',
    '%00',
    '\u0000',
    '\u202e',
    '\ud800',
    '😀',
    'Ωmega',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '%s%n%x',
    '${process.env}',
    'a'.repeat(255),
    'a'.repeat(256),
    LONG,
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 300 }),
);

/** Any JSON value of the wrong kind for a field, and some of the right kind but hostile. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    -0,
    1e308,
    -1e308,
    2 ** 31,
    2 ** 53 + 2,
    Number.MAX_SAFE_INTEGER,
    [],
    {},
    [null],
    { $gt: '' },
  ),
  hostileString,
  fc.jsonValue({ maxDepth: 3 }),
);

/** Query-string numbers: the parser must take plain decimal digits in range, nothing else. */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '1e308',
    '1e3',
    '-1',
    '-0',
    '0',
    '1',
    '1.5',
    '0x10',
    '0o7',
    '0b1',
    ' 5',
    '5 ',
    '+5',
    '',
    'NaN',
    'Infinity',
    '9007199254740991',
    '9007199254740992',
    '9007199254740993',
    '99999999999999999999999999',
    '2147483647',
    '2147483648',
    '00012',
    '1_000',
    '١٢',
  ),
  fc.integer({ min: -5, max: 1200 }).map(String),
  fc.double().map(String),
  fc.bigInt().map(String),
);

/** Instants: RFC 3339 at the edges of the years 0001-9999, and what only looks like one. */
export const instantText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '9999-12-31T23:59:59-23:59',
    '9999-12-31T23:59:59Z',
    '0001-01-01T00:00:00+23:59',
    '0000-01-01T00:00:00Z',
    '2024-02-30T00:00:00Z',
    '2024-05-01T24:00:00Z',
    '2024-05-01T12:00:60Z',
    '2024-05-01T12:00:00',
    '2024-05-01 12:00:00Z',
    '2024-05-01',
    '2024-05-01t12:00:00z',
    '2024-05-01T12:00:00+24:00',
    '2024-13-01T00:00:00Z',
    '2024-05-01T12:00:00.123456789Z',
    '+275760-09-13T00:00:00Z',
    '1714564800000',
    'yesterday',
  ),
  fc
    .date({
      min: new Date('0001-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    })
    .map((date) => date.toISOString()),
);

/** Days (`YYYY-MM-DD`), valid or not. */
export const dayText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '2024-05-01',
    '0001-01-01',
    '9999-12-31',
    '0000-01-01',
    '2024-02-30',
    '2024-5-1',
    '20240501',
    '2024-05-01T00:00:00Z',
  ),
  instantText.map((text) => text.slice(0, 10)),
);

/** Event types and patterns: segments, `*`, `**`, and what breaks the rules or the limits. */
export const patternText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'user.*',
    'user.**',
    'order.*',
    'fz.**',
    'fz.hook.*',
    '**',
    '*',
    '*.*.*',
    '**.**',
    '**.a.**.b.**',
    Array(32).fill('**').join('.'),
    Array(33).fill('*').join('.'),
    '*'.repeat(300),
    'a.'.repeat(127) + 'a',
    'a.'.repeat(128) + 'a',
    '',
    '.',
    'a..b',
    'A.B',
    'user.*x',
    'user.***',
    'ü.ß',
    'a b',
  ),
  fc
    .array(fc.constantFrom('*', '**', 'a', 'user', 'order', 'fz'), {
      minLength: 1,
      maxLength: 40,
    })
    .map((segments) => segments.join('.')),
);

/** Event types: the store's own rules, the application's types, and hostile ones. */
export const eventType: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.constantFrom(
      'fz.thing.done',
      'fz.hook.ping',
      'parcel.shipped',
      'com.example.order-placed',
      'a',
    ),
  },
  // The application's own types: their data has a schema, and they may become owned.
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'user.registered',
      'user.updated',
      'user.deleted',
      'order.placed',
      'order.confirmed',
    ),
  },
  { weight: 1, arbitrary: patternText },
  { weight: 1, arbitrary: hostileString },
);

export const uuidText: fc.Arbitrary<string> = fc.oneof(
  fc.uuid(),
  fc.constantFrom(
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '0190F6C4-8D55-7CC1-A1C1-2F3E4D5C6B7A',
    '0190f6c48d557cc1a1c12f3e4d5c6b7a',
    '{0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7a}',
  ),
);

/** A path segment that is no id at all, already percent-encoded (or deliberately not). */
export const garbageSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '..',
    '..%2F..%2Fetc%2Fpasswd',
    '%2e%2e%2f',
    '..%5C..%5C',
    '%00',
    '%',
    '%ZZ',
    '%E0%A4%A',
    '%C0%AF',
    '%F0%9F%98%80',
    'a%2Fb',
    '*',
    '**',
    ':id',
    '%20',
    'a'.repeat(101),
    'b'.repeat(5000),
  ),
  hostileString.map(percentEncode),
);

/** Printable ASCII (header values travel as latin1; control characters are the client's bug). */
export const headerText: fc.Arbitrary<string> = fc.string({
  unit: fc
    .integer({ min: 0x20, max: 0x7e })
    .map((code) => String.fromCharCode(code)),
  maxLength: 80,
});

/**
 * A valid object, or the same object with one or more fields replaced by hostile values,
 * removed, or joined by an unknown field: what "mutated field by field" means here.
 */
export function mutated<T extends object>(
  valid: fc.Arbitrary<T>,
  validWeight = 4,
): fc.Arbitrary<unknown> {
  const mutation = fc.record({
    field: fc.nat(),
    action: fc.constantFrom('replace', 'replace', 'delete', 'unknown'),
    value: hostileValue,
  });
  return fc.oneof(
    { weight: validWeight, arbitrary: valid },
    {
      weight: 4,
      arbitrary: fc
        .tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 }))
        .map(([object, mutations]) => {
          const result: Record<string, unknown> = { ...(object as object) };
          for (const { field, action, value } of mutations) {
            const keys = Object.keys(result);
            if (action === 'unknown' || keys.length === 0) {
              result[`x_${field % 5}`] = value;
            } else if (action === 'delete') {
              delete result[keys[field % keys.length]];
            } else {
              result[keys[field % keys.length]] = value;
            }
          }
          return result;
        }),
    },
    { weight: 1, arbitrary: hostileValue },
  );
}
