import { describe, expect, it } from 'vitest';
import { eventually, useTestApp } from './support/test-app.js';

describe('smoke', () => {
  const api = useTestApp();

  it('registers a user and fans out', async () => {
    const created = await api.request({
      method: 'POST',
      url: '/users',
      payload: { email: 'a@example.com', name: 'A' },
    });
    expect(created.statusCode).toBe(201);
    await eventually(async () => {
      const n = await api.request({ method: 'GET', url: '/notifications' });
      return n.json().total === 1;
    });
  });
});
