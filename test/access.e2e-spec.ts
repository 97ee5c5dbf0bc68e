import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Roles } from '../src/security/index.js';
import { bearer, testKey, withKeys, type Role } from './support/api-keys.js';
import {
  RouteCollector,
  RouteCollectorModule,
} from './support/route-collector.module.js';
import { expectClientError } from './support/http.js';
import {
  startTestApp,
  temporaryDirectory,
  type TestApp,
  type TestResponse,
} from './support/test-app.js';

const reader = testKey('dashboards', ['reader']);
const publisher = testKey('shipping', ['publisher']);
const admin = testKey('ops', ['admin']);
const KEYS: Record<Role, typeof reader> = { reader, publisher, admin };

type Decision = 'public' | Role;

/**
 * Who may call each route. A route Fastify serves that is missing here fails the matrix:
 * every new route needs a decision, made here as in its code.
 */
const EXPECTED: Record<string, Decision> = {
  'GET /health': 'reader',
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'POST /events': 'publisher',
  'GET /events': 'reader',
  'GET /events/:id': 'reader',
  'GET /events/stats': 'reader',
  'GET /events/stream': 'reader',
  'GET /events/:id/status': 'reader',
  'GET /streams/:streamId': 'reader',
  'GET /events/dead-letters': 'admin',
  'GET /events/dead-letters/:id': 'admin',
  'POST /events/dead-letters/:id/retry': 'admin',
  'DELETE /events/dead-letters/:id': 'admin',
  'POST /events/replay': 'admin',
  'GET /events/replay': 'admin',
  'GET /events/replay/:id': 'admin',
  'DELETE /events/replay/:id': 'admin',
  'POST /subscriptions': 'admin',
  'GET /subscriptions': 'admin',
  'GET /subscriptions/:name': 'admin',
  'DELETE /subscriptions/:name': 'admin',
  'POST /users': 'publisher',
  'GET /users': 'reader',
  'GET /users/:id': 'reader',
  'GET /users/:id/history': 'reader',
  'PATCH /users/:id': 'publisher',
  'DELETE /users/:id': 'publisher',
  'POST /orders': 'publisher',
  'GET /orders': 'reader',
  'GET /orders/:id': 'reader',
  'GET /products': 'reader',
  'GET /audit': 'reader',
  'GET /notifications': 'reader',
  'GET /analytics': 'reader',
  'GET /metrics': 'reader',
  // The live page and its files: no data in them.
  'GET /': 'public',
  'GET /live/*': 'public',
  // Swagger UI and the OpenAPI document: public outside production by default.
  'GET /docs': 'public',
  'GET /docs/': 'public',
  'GET /docs/index.html': 'public',
  'GET /docs/LICENSE': 'public',
  'GET /docs/swagger-ui-init.js': 'public',
  'GET /docs/docs/swagger-ui-init.js': 'public',
  'GET /docs/*': 'public',
  'GET /docs-json': 'public',
  'GET /docs-yaml': 'public',
};

const PARAM = '0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7a';

function concreteUrl(url: string): string {
  return url.replace(/:[A-Za-z]+/g, PARAM).replace(/\*$/, 'swagger-ui.css');
}

function decisionOf(method: string, url: string): Decision | undefined {
  return EXPECTED[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}

const isRefusal = (response: TestResponse) =>
  response.statusCode === 401 || response.statusCode === 403;

describe('access to every route', () => {
  const dir = temporaryDirectory();
  let api: TestApp;

  beforeAll(async () => {
    RouteCollector.routes.length = 0;
    api = await startTestApp(
      dir.path,
      { ...withKeys(reader, publisher, admin), rate_limit: { limit: 0 } },
      { imports: [RouteCollectorModule] },
    );
  });
  afterAll(async () => {
    await api?.close();
    dir.cleanup();
  });

  function call(method: string, url: string, headers: Record<string, string>) {
    const withBody = method === 'POST' || method === 'PATCH';
    return api.request({
      method: method as 'GET',
      url: concreteUrl(url),
      // A stream let in would never end: a malformed cursor ends it with 400 after the access check.
      headers:
        url === '/events/stream'
          ? { ...headers, 'last-event-id': 'not-a-cursor' }
          : headers,
      payload: withBody ? {} : undefined,
    });
  }

  it("gives every route of Fastify's route table a decision", () => {
    const routes = RouteCollector.routes;
    expect(routes.length).toBeGreaterThan(30);
    const undecided = routes
      .filter((route) => decisionOf(route.method, route.url) === undefined)
      .map((route) => `${route.method} ${route.url}`);
    expect(undecided).toEqual([]);
    // And nothing listed above has gone missing.
    const served = new Set(routes.map((r) => `${r.method} ${r.url}`));
    expect(Object.keys(EXPECTED).filter((key) => !served.has(key))).toEqual([]);
  });

  it('answers 401 without a key, 403 to a key without the role, and lets the role in', async () => {
    const failures: string[] = [];
    for (const { method, url } of RouteCollector.routes) {
      const decision = decisionOf(method, url);
      if (decision === undefined) continue;
      const route = `${method} ${url}`;
      const anonymous = await call(method, url, {});
      if (decision === 'public') {
        if (isRefusal(anonymous))
          failures.push(`${route} anonymous: ${anonymous.statusCode}`);
        continue;
      }
      if (anonymous.statusCode !== 401)
        failures.push(`${route} anonymous: ${anonymous.statusCode}`);
      else if (
        anonymous.headers['www-authenticate'] !==
        'Bearer realm="nest-event-starter"'
      )
        failures.push(`${route} anonymous: no WWW-Authenticate`);
      for (const role of ['reader', 'publisher', 'admin'] as const) {
        const granted = role === 'admin' || role === decision;
        const response = await call(method, url, bearer(KEYS[role]));
        if (granted && isRefusal(response))
          failures.push(`${route} as ${role}: ${response.statusCode}`);
        if (!granted && response.statusCode !== 403)
          failures.push(`${route} as ${role}: ${response.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses a wrong key with 401 and invalid_token, and reads the key from X-Api-Key too', async () => {
    const wrong = await api.request({
      method: 'GET',
      url: '/events',
      headers: { authorization: 'Bearer nesk_not-a-key' },
    });
    expectClientError(wrong, 401, 'authorization');
    expect(wrong.headers['www-authenticate']).toBe(
      'Bearer realm="nest-event-starter", error="invalid_token"',
    );
    expect(wrong.body).not.toContain('nesk_not-a-key');

    const viaHeader = await api.request({
      method: 'GET',
      url: '/events',
      headers: { 'x-api-key': reader.key },
    });
    expect(viaHeader.statusCode).toBe(200);
  });

  it.each([
    ['another scheme', { authorization: `Basic ${reader.key}` }],
    ['two different keys', { ...bearer(reader), 'x-api-key': admin.key }],
    ['an empty X-Api-Key', { 'x-api-key': ' ' }],
  ])('refuses %s with 401', async (_case, headers) => {
    const response = await api.request({
      method: 'GET',
      url: '/events',
      headers,
    });
    expectClientError(response, 401, 'authorization');
  });

  it('never takes a key from the query string', async () => {
    for (const name of ['api_key', 'key', 'access_token']) {
      const response = await api.request({
        method: 'GET',
        url: `/events?${name}=${encodeURIComponent(reader.key)}`,
      });
      expect(response.statusCode, name).toBe(401);
    }
  });

  it('names the role a route needs in the 403', async () => {
    const response = await api.request({
      method: 'POST',
      url: '/events/replay',
      headers: bearer(publisher),
      payload: { subscription: 'analytics.counts', reset: true },
    });
    const body = expectClientError(response, 403, 'authorization');
    expect(body.message).toContain('admin');
  });
});

describe('routes outside controllers', () => {
  @Controller()
  class UndecidedController {
    @Get('undecided')
    get() {
      return {};
    }
  }
  @Module({ controllers: [UndecidedController] })
  class UndecidedModule {}

  /** Adds a route on Fastify itself, as a plugin would. */
  @Injectable()
  class RawRoute {
    static url = '/unlisted';
    constructor(host: HttpAdapterHost) {
      host.httpAdapter
        .getInstance<FastifyInstance>()
        .get(RawRoute.url, () => 'events_total 0\n');
    }
  }
  @Module({ providers: [RawRoute] })
  class RawRouteModule {}

  @Controller()
  @Roles('reader')
  class DecidedController {
    @Get('decided')
    get() {
      return {};
    }
  }
  @Module({ controllers: [DecidedController] })
  class DecidedModule {}

  const dir = temporaryDirectory();
  afterAll(() => dir.cleanup());

  it('refuses to start with a controller route that has neither @Public() nor @Roles()', async () => {
    await expect(
      startTestApp(dir.path, {}, { imports: [UndecidedModule] }),
    ).rejects.toThrow(/UndecidedController\.get/);
  });

  it('takes a class-level @Roles() as the decision of its routes', async () => {
    const api = await startTestApp(dir.path, withKeys(reader, publisher), {
      imports: [DecidedModule],
    });
    try {
      const ok = await api.request({
        method: 'GET',
        url: '/decided',
        headers: bearer(reader),
      });
      expect(ok.statusCode).toBe(200);
      const refused = await api.request({
        method: 'GET',
        url: '/decided',
        headers: bearer(publisher),
      });
      expect(refused.statusCode).toBe(403);
    } finally {
      await api.close();
    }
  });

  it('refuses to start with a Fastify route that is in no table', async () => {
    await expect(
      startTestApp(dir.path, {}, { imports: [RawRouteModule] }),
    ).rejects.toThrow(/GET \/unlisted/);
  });

  it('lets only readers call /metrics', async () => {
    const api = await startTestApp(dir.path, withKeys(reader, publisher));
    try {
      const anonymous = await api.request({ method: 'GET', url: '/metrics' });
      expectClientError(anonymous, 401, 'authorization');
      expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer realm=/);
      const wrongRole = await api.request({
        method: 'GET',
        url: '/metrics',
        headers: bearer(publisher),
      });
      expectClientError(wrongRole, 403, 'authorization');
      const ok = await api.request({
        method: 'GET',
        url: '/metrics',
        headers: bearer(reader),
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('events_published_total');
    } finally {
      await api.close();
    }
  });

  it('puts /docs behind the reader role when security.docs_public is false', async () => {
    const api = await startTestApp(dir.path, {
      security: {
        api_keys: [reader.entry, publisher.entry],
        docs_public: false,
      },
    });
    try {
      for (const url of ['/docs', '/docs-json', '/docs/swagger-ui.css']) {
        const anonymous = await api.request({ method: 'GET', url });
        expect(anonymous.statusCode, url).toBe(401);
        const ok = await api.request({
          method: 'GET',
          url,
          headers: bearer(reader),
        });
        expect(ok.statusCode, url).toBe(200);
      }
      const wrongRole = await api.request({
        method: 'GET',
        url: '/docs-json',
        headers: bearer(publisher),
      });
      expect(wrongRole.statusCode).toBe(403);
    } finally {
      await api.close();
    }
  });
});
