import { describe, expect, it } from 'vitest';
import { bearer, testKey, withKeys } from './support/api-keys.js';
import { useTestApp, type TestResponse } from './support/test-app.js';

const reader = testKey('dashboards', ['reader']);
const APP_ORIGIN = 'https://app.example.com';

function expectSecurityHeaders(response: TestResponse, what: string): void {
  expect(response.headers['x-content-type-options'], what).toBe('nosniff');
  expect(response.headers['x-frame-options'], what).toBe('DENY');
  expect(String(response.headers['content-security-policy']), what).toContain(
    "default-src 'self'",
  );
}

describe('security headers and CORS', () => {
  const api = useTestApp(withKeys(reader));

  it('sends nosniff and the other security headers on successes and errors alike', async () => {
    const cases: [string, Promise<TestResponse>, number][] = [
      ['health', api.request({ method: 'GET', url: '/health/live' }), 200],
      [
        'read',
        api.request({ method: 'GET', url: '/events', headers: bearer(reader) }),
        200,
      ],
      ['no key', api.request({ method: 'GET', url: '/events' }), 401],
      [
        'wrong role',
        api.request({
          method: 'POST',
          url: '/events',
          headers: bearer(reader),
          payload: { type: 'parcel.scanned' },
        }),
        403,
      ],
      ['unknown route', api.request({ method: 'GET', url: '/nowhere' }), 404],
      [
        'malformed JSON',
        api.request({
          method: 'POST',
          url: '/events',
          headers: { ...bearer(reader), 'content-type': 'application/json' },
          payload: '{"type":',
        }),
        400,
      ],
    ];
    for (const [what, pending, status] of cases) {
      const response = await pending;
      expect(response.statusCode, what).toBe(status);
      expectSecurityHeaders(response, what);
    }
  });

  it('serves Swagger UI under a policy that allows no inline script', async () => {
    const page = await api.request({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    const policy = String(page.headers['content-security-policy']);
    const scriptSrc = /script-src ([^;]*)/.exec(policy)?.[1];
    expect(scriptSrc).toBe("'self'");
    // Every script of the page is a file of this origin, which script-src 'self' allows.
    const scripts = [...page.body.matchAll(/<script([^>]*)>/g)].map(
      (match) => match[1],
    );
    expect(scripts.length).toBeGreaterThan(0);
    for (const attributes of scripts) {
      const src = /src=["']([^"']+)["']/.exec(attributes)?.[1];
      expect(src, `<script${attributes}>`).toBeDefined();
      const file = await api.request({
        method: 'GET',
        url: new URL(src!, 'http://localhost/docs').pathname,
      });
      expect(file.statusCode, src).toBe(200);
      expect(String(file.headers['content-type'])).toMatch(/javascript/);
    }
  });

  it('sends no CORS headers by default', async () => {
    const preflight = await api.request({
      method: 'OPTIONS' as 'GET',
      url: '/events',
      headers: {
        origin: APP_ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const read = await api.request({
      method: 'GET',
      url: '/events',
      headers: { ...bearer(reader), origin: APP_ORIGIN },
    });
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS for configured origins', () => {
  const api = useTestApp({
    ...withKeys(reader),
    server: { cors: { origins: [APP_ORIGIN] } },
  });

  it('answers the preflight of a configured origin without a key, and no other origin', async () => {
    const preflight = (origin: string) =>
      api.request({
        method: 'OPTIONS' as 'GET',
        url: '/events',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const allowed = await preflight(APP_ORIGIN);
    expect(allowed.statusCode).toBeLessThan(300);
    expect(allowed.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(
      String(allowed.headers['access-control-allow-headers']).toLowerCase(),
    ).toContain('authorization');
    expect(allowed.headers['x-content-type-options']).toBe('nosniff');

    const other = await preflight('https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets the configured origin read answers, refusals included', async () => {
    for (const headers of [bearer(reader), {}]) {
      const response = await api.request({
        method: 'GET',
        url: '/events',
        headers: { ...headers, origin: APP_ORIGIN },
      });
      expect(response.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    }
  });
});
