import { describe, expect, it } from 'vitest';
import {
  allEvents,
  eventCount,
  expectClientError,
  getJson,
  registerUser,
  streamEvents,
  type CloudEvent,
  type UserBody,
} from './support/http.js';
import { useTestApp } from './support/test-app.js';

const UNKNOWN_ID = '0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7a';

describe('users', () => {
  const api = useTestApp();

  const userEvents = (id: string) =>
    allEvents(api, { aggregate_id: `user-${id}` });
  const patch = (id: string, payload: unknown) =>
    api.request({ method: 'PATCH', url: `/users/${id}`, payload });

  describe('POST /users', () => {
    it('registers a user and commits a user.registered event as version 1 of its stream', async () => {
      const response = await api.request({
        method: 'POST',
        url: '/users',
        payload: { email: 'ada@example.com', name: 'Ada Lovelace' },
      });

      expect(response.statusCode).toBe(201);
      const user = response.json<UserBody>();
      expect(user).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        version: 1,
      });
      expect(Number.isNaN(Date.parse(user.created_at))).toBe(false);

      const events = await streamEvents(api, `user-${user.id}`);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: 'user.registered',
        streamid: `user-${user.id}`,
        streamversion: 1,
        data: {
          userId: user.id,
          email: 'ada@example.com',
          name: 'Ada Lovelace',
        },
      });
      expect(await userEvents(user.id)).toEqual(events);
      expect(await getJson(api, `/users/${user.id}`)).toEqual(user);
    });

    it('stores the email in lower case', async () => {
      const user = await registerUser(api, 'Mixed.Case@Example.COM');
      expect(user.email).toBe('mixed.case@example.com');
      const [event] = await userEvents(user.id);
      expect(event.data.email).toBe('mixed.case@example.com');
    });

    it('refuses a duplicate email with 409 and stores no event', async () => {
      await registerUser(api, 'twice@example.com', 'First');
      const before = await eventCount(api);
      const usersBefore = (await getJson(api, '/users')).total;

      const response = await api.request({
        method: 'POST',
        url: '/users',
        payload: { email: 'TWICE@example.com', name: 'Second' },
      });

      expectClientError(response, 409, 'email');
      expect(await eventCount(api)).toBe(before);
      expect((await getJson(api, '/users')).total).toBe(usersBefore);
    });

    it('registers one of several concurrent requests for the same email, with one event', async () => {
      const before = await eventCount(api);

      const responses = await Promise.all(
        ['Race@example.com', 'race@example.com', 'RACE@example.com'].map(
          (email, i) =>
            api.request({
              method: 'POST',
              url: '/users',
              payload: { email, name: `Racer ${i}` },
            }),
        ),
      );

      const statuses = responses.map((response) => response.statusCode).sort();
      expect(statuses).toEqual([201, 409, 409]);
      const winner = responses.find((response) => response.statusCode === 201);
      const events = await allEvents(api, { type: 'user.registered' });
      expect(await eventCount(api)).toBe(before + 1);
      expect(events.at(-1)?.data).toMatchObject({
        userId: winner?.json().id,
        email: 'race@example.com',
      });
    });

    it.each([
      ['an invalid email', { email: 'not-an-email', name: 'X' }, 'email'],
      ['a missing email', { name: 'X' }, 'email'],
      ['a missing name', { email: 'noname@example.com' }, 'name'],
      ['an empty name', { email: 'empty@example.com', name: '' }, 'name'],
      [
        'a name over 200 characters',
        { email: 'long@example.com', name: 'n'.repeat(201) },
        'name',
      ],
      [
        'a name that is not a string',
        { email: 'num@example.com', name: 5 },
        'name',
      ],
      [
        'an unknown field',
        { email: 'extra@example.com', name: 'X', admin: true },
        'admin',
      ],
    ])(
      'refuses %s with 400 naming the field and stores nothing',
      async (_case, payload, field) => {
        const before = await eventCount(api);
        const usersBefore = (await getJson(api, '/users')).total;

        const response = await api.request({
          method: 'POST',
          url: '/users',
          payload,
        });

        expectClientError(response, 400, field);
        expect(await eventCount(api)).toBe(before);
        expect((await getJson(api, '/users')).total).toBe(usersBefore);
      },
    );
  });

  describe('GET /users/:id', () => {
    it('answers 404 for an unknown id', async () => {
      const response = await api.request({
        method: 'GET',
        url: `/users/${UNKNOWN_ID}`,
      });
      expectClientError(response, 404);
    });

    it('answers 400 naming id for an id that is not a UUID', async () => {
      const response = await api.request({
        method: 'GET',
        url: '/users/not-a-uuid',
      });
      expectClientError(response, 400, 'id');
    });
  });

  describe('GET /users', () => {
    it('pages through all users with limit and offset, oldest first, with the total', async () => {
      const mine: string[] = [];
      for (let i = 0; i < 5; i++)
        mine.push((await registerUser(api, `page${i}@example.com`)).id);

      const { total } = await getJson(api, '/users?limit=1');
      const seen: string[] = [];
      for (let offset = 0; offset < total; offset += 2) {
        const page = await getJson<{
          users: UserBody[];
          total: number;
          limit: number;
          offset: number;
        }>(api, `/users?limit=2&offset=${offset}`);
        expect(page).toMatchObject({ total, limit: 2, offset });
        expect(page.users.length).toBe(Math.min(2, total - offset));
        seen.push(...page.users.map((user) => user.id));
      }

      expect(seen).toHaveLength(total);
      expect(new Set(seen).size).toBe(total);
      expect(seen.filter((id) => mine.includes(id))).toEqual(mine);
      const past = await getJson(api, `/users?limit=2&offset=${total}`);
      expect(past.users).toEqual([]);
    });

    it('defaults to 20 users per page', async () => {
      const page = await getJson(api, '/users');
      expect(page).toMatchObject({ limit: 20, offset: 0 });
    });

    it.each(['limit=0', 'limit=1001', 'limit=abc', 'offset=-1'])(
      'refuses %s with 400',
      async (query) => {
        const response = await api.request({
          method: 'GET',
          url: `/users?${query}`,
        });
        expectClientError(response, 400, query.split('=')[0]);
      },
    );
  });

  describe('PATCH /users/:id', () => {
    it('records user.updated with only the changed fields as the next stream version', async () => {
      const user = await registerUser(api, 'grace@example.com', 'Grace');

      const response = await patch(user.id, {
        email: 'grace@example.com',
        name: 'Grace Hopper',
      });

      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        id: user.id,
        email: 'grace@example.com',
        name: 'Grace Hopper',
        version: 2,
      });
      const events = await streamEvents(api, `user-${user.id}`);
      expect(events.map((event) => [event.type, event.streamversion])).toEqual([
        ['user.registered', 1],
        ['user.updated', 2],
      ]);
      expect(events[1].data).toEqual({
        userId: user.id,
        changes: { name: 'Grace Hopper' },
      });
      expect(await getJson(api, `/users/${user.id}`)).toMatchObject({
        name: 'Grace Hopper',
        version: 2,
      });
    });

    it('keeps the row and the stream in step under concurrent patches', async () => {
      const user = await registerUser(api, 'busy@example.com', 'Busy');
      const names = ['One', 'Two', 'Three', 'Four', 'Five'];

      const responses = await Promise.all(
        names.map((name) => patch(user.id, { name })),
      );

      expect(responses.map((response) => response.statusCode)).toEqual(
        names.map(() => 200),
      );
      const events = await streamEvents(api, `user-${user.id}`);
      expect(events.map((event) => event.streamversion)).toEqual([
        1, 2, 3, 4, 5, 6,
      ]);
      const stored = await getJson<UserBody>(api, `/users/${user.id}`);
      expect(stored.version).toBe(6);
      expect(stored.name).toBe(events[5].data.changes.name);
      expect(
        events
          .slice(1)
          .map((event) => event.data.changes.name)
          .sort(),
      ).toEqual([...names].sort());
    });

    it('records a changed email, lower-cased', async () => {
      const user = await registerUser(api, 'old@example.com', 'Mover');
      const response = await patch(user.id, { email: 'New@Example.com' });
      expect(response.statusCode).toBe(200);
      expect(response.json().email).toBe('new@example.com');
      const events = await userEvents(user.id);
      expect(events[1].data.changes).toEqual({ email: 'new@example.com' });
    });

    it('records no event for a patch that changes nothing', async () => {
      const user = await registerUser(api, 'same@example.com', 'Same');
      const before = await eventCount(api);

      const unchanged = await patch(user.id, {
        email: 'SAME@example.com',
        name: 'Same',
      });
      const empty = await patch(user.id, {});

      expect(unchanged.statusCode).toBe(200);
      expect(unchanged.json().version).toBe(1);
      expect(empty.statusCode).toBe(200);
      expect(await eventCount(api)).toBe(before);
      expect(await userEvents(user.id)).toHaveLength(1);
    });

    it('refuses an email another user has with 409 and changes nothing', async () => {
      await registerUser(api, 'taken@example.com', 'Owner');
      const user = await registerUser(api, 'wants@example.com', 'Wants');
      const before = await eventCount(api);

      const response = await patch(user.id, {
        email: 'Taken@example.com',
        name: 'Renamed',
      });

      expectClientError(response, 409, 'email');
      expect(await eventCount(api)).toBe(before);
      expect(await getJson(api, `/users/${user.id}`)).toMatchObject({
        email: 'wants@example.com',
        name: 'Wants',
        version: 1,
      });
    });

    it('answers 404 for an unknown user and 400 for a non-UUID id', async () => {
      expectClientError(await patch(UNKNOWN_ID, { name: 'X' }), 404);
      expectClientError(await patch('nope', { name: 'X' }), 400, 'id');
    });

    it.each([
      ['an invalid email', { email: 'nope' }, 'email'],
      ['an empty name', { name: '' }, 'name'],
      ['an unknown field', { role: 'admin' }, 'role'],
    ])(
      'refuses %s with 400 and records nothing',
      async (_case, payload, field) => {
        const user = await registerUser(
          api,
          `invalid-${field}@example.com`,
          'Valid',
        );
        const before = await eventCount(api);
        expectClientError(await patch(user.id, payload), 400, field);
        expect(await eventCount(api)).toBe(before);
        expect((await getJson(api, `/users/${user.id}`)).version).toBe(1);
      },
    );

    // Product bug: @IsOptional() lets null through UpdateUserDto and UsersService.update
    // only checks `!== undefined`, so null reaches normalizeEmail / the NOT NULL column: 500.
    it.each([
      ['email', { email: null }],
      ['name', { name: null }],
    ])(
      'refuses a null %s with 400 and records nothing',
      async (field, payload) => {
        const user = await registerUser(api, `null-${field}@example.com`, 'N');
        const before = await eventCount(api);
        expectClientError(await patch(user.id, payload), 400, field);
        expect(await eventCount(api)).toBe(before);
      },
    );
  });

  describe('DELETE /users/:id', () => {
    it('answers 204, records user.deleted as the next version, then the user is gone', async () => {
      const user = await registerUser(api, 'leaving@example.com', 'Leaving');
      expect((await patch(user.id, { name: 'Soon Gone' })).statusCode).toBe(
        200,
      );

      const response = await api.request({
        method: 'DELETE',
        url: `/users/${user.id}`,
      });

      expect(response.statusCode).toBe(204);
      expect(response.body).toBe('');
      const events = await streamEvents(api, `user-${user.id}`);
      expect(
        events.map((event: CloudEvent) => [event.type, event.streamversion]),
      ).toEqual([
        ['user.registered', 1],
        ['user.updated', 2],
        ['user.deleted', 3],
      ]);
      expect(events[2].data).toEqual({
        userId: user.id,
        email: 'leaving@example.com',
      });
      expect(await userEvents(user.id)).toEqual(events);
      expectClientError(
        await api.request({ method: 'GET', url: `/users/${user.id}` }),
        404,
      );
      const again = await api.request({
        method: 'DELETE',
        url: `/users/${user.id}`,
      });
      expectClientError(again, 404);
      expect(await streamEvents(api, `user-${user.id}`)).toHaveLength(3);
    });

    it('frees the email for a new registration on a new stream', async () => {
      const first = await registerUser(api, 'reuse@example.com', 'First');
      await api.request({ method: 'DELETE', url: `/users/${first.id}` });

      const second = await registerUser(api, 'reuse@example.com', 'Second');

      expect(second.id).not.toBe(first.id);
      const events = await streamEvents(api, `user-${second.id}`);
      expect(events.map((event) => event.streamversion)).toEqual([1]);
    });

    it('answers 400 for a non-UUID id', async () => {
      const response = await api.request({ method: 'DELETE', url: '/users/x' });
      expectClientError(response, 400, 'id');
    });
  });
});
