import { describe, expect, it } from 'vitest';
import { ConcurrencyError, EventBus } from '../src/events/index.js';
import {
  expectClientError,
  getJson,
  publish,
  registerUser,
  streamEvents,
  type CloudEvent,
} from './support/http.js';
import { useTestApp } from './support/test-app.js';

const UNKNOWN_ID = '0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7a';

describe('event sourcing', () => {
  const api = useTestApp();

  const patch = (id: string, payload: unknown) =>
    api.request({ method: 'PATCH', url: `/users/${id}`, payload });

  describe('users rebuilt from their streams', () => {
    it('lists a user history in version order, kept after the user is deleted', async () => {
      const user = await registerUser(api, 'history@example.com', 'Ada');
      expect((await patch(user.id, { name: 'Ada King' })).statusCode).toBe(200);
      expect(
        (await patch(user.id, { email: 'countess@example.com' })).statusCode,
      ).toBe(200);
      const deleted = await api.request({
        method: 'DELETE',
        url: `/users/${user.id}`,
      });
      expect(deleted.statusCode).toBe(204);

      const history = await getJson<{
        user_id: string;
        version: number;
        events: CloudEvent[];
      }>(api, `/users/${user.id}/history`);

      expect(history.user_id).toBe(user.id);
      expect(history.version).toBe(4);
      expect(history.events.map((e) => [e.type, e.streamversion])).toEqual([
        ['user.registered', 1],
        ['user.updated', 2],
        ['user.updated', 3],
        ['user.deleted', 4],
      ]);
      expect(history.events).toEqual(
        await streamEvents(api, `user-${user.id}`),
      );
    });

    it('returns the state at any version, rebuilt from events', async () => {
      const user = await registerUser(api, 'versions@example.com', 'Grace');
      await patch(user.id, { name: 'Grace Hopper' });
      await patch(user.id, { email: 'admiral@example.com' });

      const states = [];
      for (const version of [1, 2, 3])
        states.push(
          await getJson(api, `/users/${user.id}?at_version=${version}`),
        );

      expect(
        states.map(({ name, email, version }) => ({ name, email, version })),
      ).toEqual([
        { name: 'Grace', email: 'versions@example.com', version: 1 },
        { name: 'Grace Hopper', email: 'versions@example.com', version: 2 },
        { name: 'Grace Hopper', email: 'admiral@example.com', version: 3 },
      ]);
      const current = await getJson(api, `/users/${user.id}`);
      expect(states[2]).toMatchObject({
        id: current.id,
        email: current.email,
        name: current.name,
        version: current.version,
      });
      expect(states[0].created_at).toBe(states[2].created_at);
    });

    it('still rebuilds versions of a deleted user, and says when it was deleted', async () => {
      const user = await registerUser(api, 'gone@example.com', 'Gone');
      await api.request({ method: 'DELETE', url: `/users/${user.id}` });

      expect((await getJson(api, `/users/${user.id}?at_version=1`)).name).toBe(
        'Gone',
      );
      const body = expectClientError(
        await api.request({
          method: 'GET',
          url: `/users/${user.id}?at_version=2`,
        }),
        404,
      );
      expect(body.message).toContain('deleted at version 2');
    });

    it('answers 404 naming the current version for a version not reached yet', async () => {
      const user = await registerUser(api, 'future@example.com');
      const body = expectClientError(
        await api.request({
          method: 'GET',
          url: `/users/${user.id}?at_version=7`,
        }),
        404,
        'at_version',
      );
      expect(body.current_version).toBe(1);
      expectClientError(
        await api.request({
          method: 'GET',
          url: `/users/${UNKNOWN_ID}/history`,
        }),
        404,
      );
    });

    it.each(['0', '-1', '1.5', 'abc', '99999999999'])(
      'refuses at_version=%s with 400',
      async (value) => {
        const user = await registerUser(
          api,
          `bad-version-${value}@example.com`,
        );
        expectClientError(
          await api.request({
            method: 'GET',
            url: `/users/${user.id}?at_version=${value}`,
          }),
          400,
          'at_version',
        );
      },
    );
  });

  describe('optimistic concurrency', () => {
    it('lets exactly one of several concurrent appends at one expected version win', async () => {
      const bus = api.app.get(EventBus);
      const attempts = await Promise.allSettled(
        Array.from({ length: 8 }, (_, index) =>
          bus.appendToStream(
            'account-race',
            { type: 'account.opened', data: { writer: index } },
            { expectedVersion: 0 },
          ),
        ),
      );

      const won = attempts.filter((a) => a.status === 'fulfilled');
      const lost = attempts.flatMap((a) =>
        a.status === 'rejected' ? [a.reason as unknown] : [],
      );
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(7);
      for (const error of lost) {
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect((error as ConcurrencyError).currentVersion).toBe(1);
      }
      expect(await streamEvents(api, 'account-race')).toHaveLength(1);
    });

    it('answers 409 with the current version to all but one concurrent POST /events', async () => {
      const responses = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          publish(api, {
            type: 'account.credited',
            aggregate_id: 'account-http-race',
            expected_version: 0,
            data: { writer: index },
          }),
        ),
      );

      const statuses = responses.map((r) => r.statusCode).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
      for (const response of responses.filter((r) => r.statusCode === 409))
        expect(response.json().current_version).toBe(1);
    });

    it('keeps every concurrent patch of one user in the stream, none lost', async () => {
      const user = await registerUser(api, 'busy@example.com', 'Busy');
      const names = Array.from({ length: 10 }, (_, index) => `Name ${index}`);
      const responses = await Promise.all(
        names.map((name) => patch(user.id, { name })),
      );

      const succeeded = responses.filter((r) => r.statusCode === 200);
      expect(
        responses.every((r) => r.statusCode === 200 || r.statusCode === 409),
      ).toBe(true);
      const stream = await streamEvents(api, `user-${user.id}`);
      expect(stream).toHaveLength(1 + succeeded.length);
      const current = await getJson(api, `/users/${user.id}`);
      expect(current.version).toBe(stream.length);
      expect(current.name).toBe(
        stream[stream.length - 1].data.changes?.name ?? 'Busy',
      );
    });
  });
});
