import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  expectClientError,
  getJson,
  registerUser,
  stats,
  type UserBody,
} from './support/http.js';
import { useTestApp, type InjectOptions } from './support/test-app.js';

const BODY_LIMIT = 2048;
const JSON_TYPE = { 'content-type': 'application/json' };

describe('bad input', () => {
  const api = useTestApp({
    server: { body_limit: BODY_LIMIT },
  });
  let user: UserBody;

  beforeAll(async () => {
    user = await registerUser(api, 'victim@example.com', 'Victim');
  });

  /** What a refused request must leave untouched. */
  async function state() {
    return {
      events: (await stats(api)).published,
      users: (await getJson(api, '/users')).total,
      user: await getJson(api, `/users/${user.id}`),
    };
  }

  let before: Awaited<ReturnType<typeof state>>;
  beforeEach(async () => {
    before = await state();
  });

  async function expectRefused(
    request: InjectOptions,
    status: number,
    field?: string,
  ): Promise<void> {
    const response = await api.request(request);
    expectClientError(response, status, field);
    expect(await state()).toEqual(before);
  }

  describe('request bodies', () => {
    it.each([
      ['/events', '{"type":'],
      ['/events', '{"type":"a.b",}'],
      ['/users', "{'email': 'x@example.com'}"],
    ])('refuses malformed JSON sent to %s with 400', async (url, payload) => {
      await expectRefused(
        { method: 'POST', url, payload, headers: JSON_TYPE },
        400,
        'JSON',
      );
    });

    it('refuses malformed JSON in a patch with 400', async () => {
      await expectRefused(
        {
          method: 'PATCH',
          url: `/users/${user.id}`,
          payload: '{"name": "Mallory"',
          headers: JSON_TYPE,
        },
        400,
        'JSON',
      );
    });

    it('refuses an unknown field with 400 naming it', async () => {
      const body = await api.request({
        method: 'POST',
        url: '/events',
        payload: { type: 'a.b', bogus: 1 },
      });
      expectClientError(body, 400, 'bogus');
      expect(await state()).toEqual(before);
      await expectRefused(
        {
          method: 'PATCH',
          url: `/users/${user.id}`,
          payload: { name: 'Mallory', bogus: 1 },
        },
        400,
        'bogus',
      );
    });

    it.each([
      [{ type: 5 }, 'type'],
      [{ type: null }, 'type'],
      [{ type: ['a.b'] }, 'type'],
      [{}, 'type'],
      [{ type: 'a.b', aggregate_id: 7 }, 'aggregate_id'],
      [{ type: 'a.b', id: 12 }, 'id'],
      [{ type: 'a.b', id: '' }, 'id'],
      [{ type: 'a.b', source: { a: 1 } }, 'source'],
      [{ type: 'a.b', subject: false }, 'subject'],
      [{ type: 'a.b', time: 'yesterday' }, 'time'],
      [{ type: 'a.b', time: 1714564800000 }, 'time'],
      [{ type: 'a.b', time: '2024-05-01 12:00:00' }, 'time'],
      [{ type: 'a.b', time: '2024-05-01T12:00:00' }, 'time'],
    ])('refuses the event %j with 400 naming %s', async (payload, field) => {
      await expectRefused(
        { method: 'POST', url: '/events', payload },
        400,
        field,
      );
    });

    // Product bug: isRfc3339 (src/common/time/rfc3339.ts) only checks day <= 31 and then relies
    // on Date.parse, which rolls 2024-02-30 over to 2024-03-01: the event is stored with a
    // different time than the one sent.
    it('refuses a calendar date that does not exist (2024-02-30)', async () => {
      await expectRefused(
        {
          method: 'POST',
          url: '/events',
          payload: { type: 'a.b', time: '2024-02-30T00:00:00Z' },
        },
        400,
        'time',
      );
    });

    it.each([
      [{ email: 5, name: 'X' }, 'email'],
      [{ email: 'x@example.com', name: ['X'] }, 'name'],
      [{ email: 'x@example.com', name: { first: 'X' } }, 'name'],
    ])('refuses the user %j with 400 naming %s', async (payload, field) => {
      await expectRefused(
        { method: 'POST', url: '/users', payload },
        400,
        field,
      );
    });

    it('refuses a JSON array as the body', async () => {
      await expectRefused(
        {
          method: 'POST',
          url: '/events',
          payload: JSON.stringify([{ type: 'a.b' }]),
          headers: JSON_TYPE,
        },
        400,
        'body',
      );
      await expectRefused(
        {
          method: 'POST',
          url: '/users',
          payload: JSON.stringify([{ email: 'arr@example.com', name: 'A' }]),
          headers: JSON_TYPE,
        },
        400,
      );
      await expectRefused(
        {
          method: 'PATCH',
          url: `/users/${user.id}`,
          payload: '[]',
          headers: JSON_TYPE,
        },
        400,
        'body',
      );
    });

    it.each([['"a.b"'], ['42'], ['null'], ['true']])(
      'refuses the JSON scalar %s as the body',
      async (payload) => {
        await expectRefused(
          { method: 'POST', url: '/events', payload, headers: JSON_TYPE },
          400,
          'body',
        );
        await expectRefused(
          { method: 'POST', url: '/users', payload, headers: JSON_TYPE },
          400,
          'body',
        );
      },
    );

    it('refuses a body larger than server.body_limit with 413', async () => {
      const payload = JSON.stringify({
        type: 'a.b',
        data: { text: 'x'.repeat(BODY_LIMIT) },
      });
      await expectRefused(
        { method: 'POST', url: '/events', payload, headers: JSON_TYPE },
        413,
      );
      await expectRefused(
        {
          method: 'POST',
          url: '/users',
          payload: JSON.stringify({
            email: 'big@example.com',
            name: 'n'.repeat(BODY_LIMIT),
          }),
          headers: JSON_TYPE,
        },
        413,
      );
    });

    it('accepts a body just below server.body_limit', async () => {
      const payload = JSON.stringify({
        type: 'a.b',
        data: { text: 'x'.repeat(BODY_LIMIT - 100) },
      });
      expect(payload.length).toBeLessThan(BODY_LIMIT);
      const response = await api.request({
        method: 'POST',
        url: '/events',
        payload,
        headers: JSON_TYPE,
      });
      expect(response.statusCode).toBe(201);
    });

    it.each([
      'text/xml',
      'application/xml',
      'application/octet-stream',
      'text/plain',
      'application/x-www-form-urlencoded',
    ])('refuses the content type %s with 415', async (contentType) => {
      await expectRefused(
        {
          method: 'POST',
          url: '/events',
          payload: 'type=a.b',
          headers: { 'content-type': contentType },
        },
        415,
      );
      await expectRefused(
        {
          method: 'POST',
          url: '/users',
          payload: 'email=form%40example.com&name=Form',
          headers: { 'content-type': contentType },
        },
        415,
      );
    });

    it('refuses a text/plain body with a 4xx and stores nothing', async () => {
      const response = await api.request({
        method: 'POST',
        url: '/events',
        payload: 'type=a.b',
        headers: { 'content-type': 'text/plain' },
      });
      expect([400, 415]).toContain(response.statusCode);
      expectClientError(response, response.statusCode);
      expect(await state()).toEqual(before);
    });

    it('refuses an empty body sent as JSON with 400', async () => {
      await expectRefused(
        { method: 'POST', url: '/events', payload: '', headers: JSON_TYPE },
        400,
      );
      await expectRefused(
        { method: 'POST', url: '/users', payload: '', headers: JSON_TYPE },
        400,
      );
    });

    it('refuses a POST without any body with 400', async () => {
      await expectRefused({ method: 'POST', url: '/events' }, 400, 'body');
      await expectRefused({ method: 'POST', url: '/users' }, 400, 'body');
    });
  });

  describe('query parameters', () => {
    it.each([
      ['/events?type=5.', 'type'],
      ['/events?type=User.Bad', 'type'],
      ['/events?type=user.***', 'type'],
      ['/events?type=', 'type'],
      ['/events?limit=abc', 'limit'],
      ['/events?limit=0', 'limit'],
      ['/events?limit=1001', 'limit'],
      ['/events?limit=2.5', 'limit'],
      ['/events?after=-1', 'after'],
      ['/events?after=abc', 'after'],
      ['/events?order=sideways', 'order'],
      ['/events?since=yesterday', 'since'],
      ['/events?until=2024-13-01T00:00:00Z', 'until'],
      ['/events?since=2024-05-01', 'since'],
      ['/events?correlation_id=', 'correlation_id'],
      ['/events?bogus=1', 'bogus'],
      ['/events?limit=1&limit=2', 'limit'],
      ['/streams/s-1?from_version=0', 'from_version'],
      ['/users?limit=abc', 'limit'],
      ['/notifications?user_id=nope', 'user_id'],
      ['/analytics?until=tomorrow', 'until'],
      ['/audit?since=yesterday', 'since'],
      ['/events/dead-letters?limit=0', 'limit'],
    ])('refuses GET %s with 400 naming %s', async (url, field) => {
      await expectRefused({ method: 'GET', url }, 400, field);
    });
  });

  it('never answers 500 to odd requests', async () => {
    const requests: InjectOptions[] = [
      { method: 'GET', url: '/events?after=99999999999999999999999' },
      { method: 'GET', url: '/events?limit=1e3' },
      { method: 'GET', url: '/events?since=9999-12-31T23:59:59Z' },
      { method: 'GET', url: '/events/%00' },
      { method: 'GET', url: `/events/${'x'.repeat(1000)}` },
      { method: 'GET', url: '/events/x/status?source=' },
      { method: 'GET', url: `/streams/${'s'.repeat(1000)}` },
      { method: 'GET', url: '/users/00000000-0000-0000-0000-000000000000' },
      { method: 'DELETE', url: '/users/00000000-0000-0000-0000-000000000000' },
      { method: 'PUT', url: '/events' },
      { method: 'DELETE', url: '/events' },
      {
        method: 'POST',
        url: '/events',
        payload: { type: 'a.b', data: { deep: [[[[[[[[[[{}]]]]]]]]]] } },
      },
      {
        method: 'POST',
        url: '/events',
        payload: '{"type":"a.b","__proto__":{"polluted":true}}',
        headers: JSON_TYPE,
      },
      {
        method: 'POST',
        url: '/events',
        payload: { type: 'a.b', aggregate_id: 'x', expected_version: 1e20 },
      },
      {
        method: 'POST',
        url: '/events',
        payload: '\u0000',
        headers: JSON_TYPE,
      },
    ];
    for (const request of requests) {
      const response = await api.request(request);
      expect(
        response.statusCode,
        `${request.method} ${request.url.slice(0, 60)}: ${response.body}`,
      ).toBeLessThan(500);
      expect(String(response.headers['content-type'])).toMatch(
        /^application\/json/,
      );
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await getJson(api, `/users/${user.id}`)).name).toBe('Victim');
  });
});
