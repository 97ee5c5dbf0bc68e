import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  expectClientError,
  published,
  registerUser,
  stats,
} from './support/http.js';
import { useTestApp, type InjectOptions } from './support/test-app.js';

const MAX_POSITION = Number.MAX_SAFE_INTEGER;
const MAX_VERSION = 2_147_483_647;
const MAX_OFFSET = 1_000_000;
const MAX_LIMIT = 1000;

/** A value as it appears in a query string (already encoded), or several for a repeated key. */
type QueryValue = string | string[];

function queryOf(field: string, value: QueryValue): string {
  const values = Array.isArray(value) ? value : [value];
  return values.map((one) => `${field}=${encodeURIComponent(one)}`).join('&');
}

/** Text a client might mean as a number but that is not one from `min` to `max`. */
function badIntegerTexts(min: number, max: number): [string, QueryValue][] {
  return [
    ['below the minimum', String(min - 1)],
    ['above the maximum', String(max + 1)],
    ['a fraction', '1.5'],
    ['negative zero', '-0'],
    ['an exponent', '1e3'],
    ['a huge exponent', '1e308'],
    ['more digits than a safe integer', '99999999999999999999999'],
    ['hexadecimal', '0x10'],
    ['a plus sign', '+5'],
    ['leading blanks', '  5'],
    ['a trailing blank', '5 '],
    ['trailing letters', '10abc'],
    ['empty', ''],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['repeated', ['1', '2']],
  ];
}

/** Instants out of the years 0001-9999 once converted to UTC, or not RFC 3339 at all. */
const BAD_INSTANTS: [string, QueryValue][] = [
  ['year 0000', '0000-12-31T23:59:59Z'],
  ['year 0001 whose offset moves it to year 0000', '0001-01-01T00:00:00+00:01'],
  [
    'year 9999 whose offset moves it to year 10000',
    '9999-12-31T23:59:59-23:59',
  ],
  ['a five-digit year', '10000-01-01T00:00:00Z'],
  ['a day that does not exist', '2024-02-30T00:00:00Z'],
  ['no offset', '2024-05-01T12:00:00'],
  ['a date without time', '2024-05-01'],
  ['words', 'yesterday'],
  ['repeated', ['2024-05-01T00:00:00Z', '2024-06-01T00:00:00Z']],
];

const GOOD_INSTANTS = [
  '0001-01-01T00:00:00Z',
  '0001-01-01T00:00:00-01:00',
  '9999-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59+01:00',
];

const BAD_DAYS: [string, QueryValue][] = [
  ['year 0000', '0000-01-01'],
  ['a five-digit year', '10000-01-01'],
  ['February 30th', '2024-02-30'],
  ['February 29th of a common year', '2023-02-29'],
  ['month 13', '2024-13-01'],
  ['month 00', '2024-00-10'],
  ['a one-digit month', '2024-1-01'],
  ['a timestamp', '2024-05-01T00:00:00Z'],
  ['repeated', ['2024-05-01', '2024-05-02']],
];

const GOOD_DAYS = ['0001-01-01', '9999-12-31', '2024-02-29'];

/** JSON values a body's integer field must refuse. */
function badIntegerJson(min: number, max: number): [string, unknown][] {
  return [
    ['below the minimum', min - 1],
    ['above the maximum', max + 1],
    ['a fraction', 1.5],
    ['a huge number', 1e308],
    ['2^53', 2 ** 53],
    ['a numeric string', '5'],
    ['a boolean', true],
    ['an array', [1]],
    ['null', null],
  ];
}

describe('bounds of numeric and time parameters', () => {
  const api = useTestApp();
  let userId: string;
  const stream = `bounds-${randomUUID()}`;

  beforeAll(async () => {
    userId = (await registerUser(api, 'bounds@example.com')).id;
    await published(api, { type: 'bounds.seen', aggregate_id: stream });
  });

  const get = (url: string): InjectOptions => ({ method: 'GET', url });

  async function expectRefusedNaming(
    request: InjectOptions,
    field: string,
  ): Promise<void> {
    const response = await api.request(request);
    const body = expectClientError(response, 400, field);
    expect(body.field, response.body).toBe(field);
  }

  describe('the measured cases', () => {
    it.each([
      ['/users?offset=1e308', 'offset'],
      ['/users?offset=99999999999999999999999', 'offset'],
      ['/orders?offset=1e308', 'offset'],
      ['/notifications?offset=1e300', 'offset'],
      ['/events?since=9999-12-31T23:59:59-23:59', 'since'],
    ])('GET %s answers 400 naming %s', async (url, field) => {
      await expectRefusedNaming({ method: 'GET', url }, field);
    });
  });

  /** Every integer query parameter: [route, field, min, max, status of an accepted value]. */
  const integerQueries: [string, string, number, number, number][] = [
    ['/users', 'limit', 1, MAX_LIMIT, 200],
    ['/users', 'offset', 0, MAX_OFFSET, 200],
    ['/notifications', 'limit', 1, MAX_LIMIT, 200],
    ['/notifications', 'offset', 0, MAX_OFFSET, 200],
    ['/orders', 'limit', 1, MAX_LIMIT, 200],
    ['/orders', 'offset', 0, MAX_OFFSET, 200],
    ['/users/:user', 'at_version', 1, MAX_VERSION, 0],
    ['/events', 'limit', 1, MAX_LIMIT, 200],
    ['/events', 'after', 0, MAX_POSITION, 200],
    ['/audit', 'limit', 1, MAX_LIMIT, 200],
    ['/audit', 'after', 0, MAX_POSITION, 200],
    ['/streams/:stream', 'limit', 1, MAX_LIMIT, 200],
    ['/streams/:stream', 'from_version', 1, MAX_VERSION, 200],
    ['/events/dead-letters', 'limit', 1, MAX_LIMIT, 200],
  ];

  function route(path: string): string {
    return path.replace(':user', userId).replace(':stream', stream);
  }

  describe.each(integerQueries)(
    'GET %s?%s (integer from %i to %i)',
    (path, field, min, max, acceptedStatus) => {
      it.each(badIntegerTexts(min, max))(
        'refuses %s with 400 naming the parameter',
        async (_label, value) => {
          await expectRefusedNaming(
            get(`${route(path)}?${queryOf(field, value)}`),
            field,
          );
        },
      );

      it.each([min, max])('accepts %i', async (value) => {
        const response = await api.request(
          get(`${route(path)}?${queryOf(field, String(value))}`),
        );
        if (acceptedStatus === 0) {
          // at_version past the user's history: found or not, never a 400 or 500.
          expect([200, 404], response.body).toContain(response.statusCode);
          return;
        }
        expect(response.statusCode, response.body).toBe(acceptedStatus);
        const body = response.json();
        if (field in body) expect(body[field]).toBe(value);
      });
    },
  );

  describe.each([
    ['/events', 'since'],
    ['/events', 'until'],
    ['/audit', 'since'],
    ['/audit', 'until'],
  ])('GET %s?%s (RFC 3339 instant)', (path, field) => {
    it.each(BAD_INSTANTS)(
      'refuses %s with 400 naming the parameter',
      async (_label, value) => {
        await expectRefusedNaming(
          get(`${path}?${queryOf(field, value)}`),
          field,
        );
      },
    );

    it.each(GOOD_INSTANTS)('accepts %s', async (value) => {
      const response = await api.request(
        get(`${path}?${queryOf(field, value)}`),
      );
      expect(response.statusCode, response.body).toBe(200);
    });
  });

  it('reads an instant in its UTC year: events from 9999-12-31 on are none', async () => {
    const response = await api.request(
      get(`/events?${queryOf('since', '9999-12-31T00:00:00+01:00')}`),
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().events).toEqual([]);
  });

  describe.each([
    ['/analytics', 'since'],
    ['/analytics', 'until'],
  ])('GET %s?%s (YYYY-MM-DD)', (path, field) => {
    it.each(BAD_DAYS)(
      'refuses %s with 400 naming the parameter',
      async (_label, value) => {
        await expectRefusedNaming(
          get(`${path}?${queryOf(field, value)}`),
          field,
        );
      },
    );

    it.each(GOOD_DAYS)('accepts %s', async (value) => {
      const response = await api.request(
        get(`${path}?${queryOf(field, value)}`),
      );
      expect(response.statusCode, response.body).toBe(200);
    });
  });

  describe('GET /events/dead-letters?after (a dead letter id)', () => {
    it.each([
      ['not an id', 'abc'],
      ['a position', '12'],
      ['repeated', [randomUUID(), randomUUID()]],
    ])('refuses %s with 400 naming after', async (_label, value) => {
      await expectRefusedNaming(
        get(`/events/dead-letters?${queryOf('after', value)}`),
        'after',
      );
    });

    it('accepts an id', async () => {
      const response = await api.request(
        get(`/events/dead-letters?after=${randomUUID()}`),
      );
      expect(response.statusCode, response.body).toBe(200);
    });
  });

  describe('POST /events expected_version (integer from 0 to 2147483647)', () => {
    it.each(badIntegerJson(0, MAX_VERSION))(
      'refuses %s with 400 naming it and stores nothing',
      async (_label, value) => {
        const before = (await stats(api)).published;
        await expectRefusedNaming(
          {
            method: 'POST',
            url: '/events',
            payload: {
              type: 'bounds.versioned',
              aggregate_id: `v-${randomUUID()}`,
              expected_version: value,
            },
          },
          'expected_version',
        );
        expect((await stats(api)).published).toBe(before);
      },
    );

    it.each([
      [0, 201],
      [MAX_VERSION, 409],
    ])('accepts %i (answering %i)', async (value, status) => {
      const response = await api.request({
        method: 'POST',
        url: '/events',
        payload: {
          type: 'bounds.versioned',
          aggregate_id: `v-${randomUUID()}`,
          expected_version: value,
        },
      });
      expect(response.statusCode, response.body).toBe(status);
    });
  });

  describe('POST /events time (RFC 3339 instant)', () => {
    it.each(BAD_INSTANTS.filter(([, value]) => typeof value === 'string'))(
      'refuses %s with 400 naming it and stores nothing',
      async (_label, value) => {
        const before = (await stats(api)).published;
        await expectRefusedNaming(
          {
            method: 'POST',
            url: '/events',
            payload: { type: 'bounds.timed', time: value },
          },
          'time',
        );
        expect((await stats(api)).published).toBe(before);
      },
    );

    it.each([
      ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
      ['0001-01-01T00:00:00-01:00', '0001-01-01T01:00:00.000Z'],
      ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
      ['9999-12-31T23:59:59+01:00', '9999-12-31T22:59:59.000Z'],
    ])('stores %s as %s', async (time, stored) => {
      const event = await published(api, { type: 'bounds.timed', time });
      expect(event.time).toBe(stored);
    });
  });

  describe('POST /events/replay (dry run)', () => {
    const replay = (fields: Record<string, unknown>): InjectOptions => ({
      method: 'POST',
      url: '/events/replay',
      payload: { subscription: 'analytics.counts', dry_run: true, ...fields },
    });

    describe.each(['from_position', 'to_position'])(
      '%s (integer from 1 to 2^53 - 1)',
      (field) => {
        it.each(badIntegerJson(1, MAX_POSITION))(
          'refuses %s with 400 naming it',
          async (_label, value) => {
            await expectRefusedNaming(replay({ [field]: value }), field);
          },
        );

        it.each([1, MAX_POSITION])('accepts %i', async (value) => {
          const response = await api.request(replay({ [field]: value }));
          expect(response.statusCode, response.body).toBe(200);
        });
      },
    );

    describe.each(['since', 'until'])('%s (RFC 3339 instant)', (field) => {
      it.each(BAD_INSTANTS.filter(([, value]) => typeof value === 'string'))(
        'refuses %s with 400 naming it',
        async (_label, value) => {
          await expectRefusedNaming(replay({ [field]: value }), field);
        },
      );

      it.each(GOOD_INSTANTS)('accepts %s', async (value) => {
        const response = await api.request(replay({ [field]: value }));
        expect(response.statusCode, response.body).toBe(200);
      });
    });
  });
});
