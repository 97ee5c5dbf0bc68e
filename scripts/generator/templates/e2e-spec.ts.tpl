import { describe, expect, it } from 'vitest';
import {
  allEvents,
  expectClientError,
  getJson,
  streamEvents,
} from './support/http.js';
import { eventually, useTestApp } from './support/test-app.js';

const UNKNOWN_ID = '0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7a';

interface {{Item}}Body {
  id: string;
  name: string;
  status: 'created' | 'processed';
  created_at: string;
}

describe('{{name}}', () => {
  const api = useTestApp();

  const create = (payload: unknown) =>
    api.request({ method: 'POST', url: '/{{name}}', payload });
  const createdEvents = () => allEvents(api, { type: '{{eventType}}' });

  describe('POST /{{name}}', () => {
    it('creates {{aItem}} and commits {{eventType}} as version 1 of its stream', async () => {
      const response = await create({ name: 'First' });

      expect(response.statusCode, response.body).toBe(201);
      const created = response.json<{{Item}}Body>();
      expect(created).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'First',
        status: 'created',
      });
      const events = await streamEvents(api, `{{item}}-${created.id}`);
      expect(events).toMatchObject([
        {
          type: '{{eventType}}',
          streamversion: 1,
          data: { {{itemCamel}}Id: created.id, name: 'First' },
        },
      ]);
    });

    it('has the {{itemWords}} processed by the durable {{name}}.process handler', async () => {
      const created = (await create({ name: 'Second' })).json<{{Item}}Body>();

      const processed = await eventually(
        async () => {
          const current = await getJson<{{Item}}Body>(
            api,
            `/{{name}}/${created.id}`,
          );
          return current.status === 'processed' && current;
        },
        { what: 'the {{itemWords}} to be processed' },
      );
      expect(processed).toMatchObject({ id: created.id, name: 'Second' });
    });

    it.each([
      ['a missing name', {}, 'name'],
      ['an empty name', { name: '' }, 'name'],
      ['a name over 200 characters', { name: 'n'.repeat(201) }, 'name'],
      ['a name that is not a string', { name: 5 }, 'name'],
      ['an unknown field', { name: 'X', admin: true }, 'admin'],
    ])(
      'refuses %s with 400 naming the field and stores nothing',
      async (_case, payload, field) => {
        const before = await createdEvents();
        const listed = (await getJson(api, '/{{name}}')).total;

        expectClientError(await create(payload), 400, field);

        expect(await createdEvents()).toEqual(before);
        expect((await getJson(api, '/{{name}}')).total).toBe(listed);
      },
    );
  });

  describe('GET /{{name}}/:id', () => {
    it('answers 404 for an unknown id', async () => {
      const response = await api.request({
        method: 'GET',
        url: `/{{name}}/${UNKNOWN_ID}`,
      });
      expectClientError(response, 404);
    });

    it('answers 400 naming id for an id that is not a UUID', async () => {
      const response = await api.request({
        method: 'GET',
        url: '/{{name}}/not-a-uuid',
      });
      expectClientError(response, 400, 'id');
    });
  });

  describe('GET /{{name}}', () => {
    it('lists oldest first, with the total', async () => {
      const before = (await getJson(api, '/{{name}}?limit=1000')).total;
      const created = (await create({ name: 'Listed' })).json<{{Item}}Body>();

      const body = await getJson(api, '/{{name}}?limit=1000');

      expect(body.total).toBe(before + 1);
      expect(body.{{namesSnake}}.at(-1)).toMatchObject({
        id: created.id,
        name: 'Listed',
      });
    });

    it('refuses a limit over 1000 with 400 naming limit', async () => {
      const response = await api.request({
        method: 'GET',
        url: '/{{name}}?limit=1001',
      });
      expectClientError(response, 400, 'limit');
    });
  });
});
