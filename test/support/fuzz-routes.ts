import { Inject, Module, type DynamicModule } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

/** A route as Fastify registered it: `/users/:id`, `/docs/*`. */
export interface RecordedRoute {
  method: string;
  url: string;
}

/** A query parameter the OpenAPI document declares for a route. */
export interface QueryParameter {
  name: string;
  schema: {
    type?: string;
    format?: string;
    enum?: string[];
    minimum?: number;
    maximum?: number;
  };
}

export interface FuzzRoute {
  method: string;
  /** Fastify's pattern, e.g. `/events/:id/status`. */
  url: string;
  /** Path parameter names in order (`*` for a wildcard). */
  params: string[];
  query: QueryParameter[];
}

/**
 * Records every route Fastify registers: controllers, the Swagger UI, anything added later.
 * Mounted through startTestApp's `imports`; a module's constructor runs while the application
 * is created, before Nest or Swagger register a single route.
 */
export function routeRecorderModule(routes: RecordedRoute[]): DynamicModule {
  @Module({})
  class RouteRecorderModule {
    constructor(@Inject(HttpAdapterHost) host: HttpAdapterHost) {
      const fastify = host.httpAdapter.getInstance<FastifyInstance>();
      fastify.addHook('onRoute', (route) => {
        const methods = Array.isArray(route.method)
          ? route.method
          : [route.method];
        for (const method of methods) routes.push({ method, url: route.url });
      });
    }
  }
  return { module: RouteRecorderModule };
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      { parameters?: { name: string; in: string; schema?: object }[] }
    >
  >;
}

/**
 * The routes to fuzz: every recorded route (HEAD ones included: Fastify adds one per GET),
 * with the query parameters the OpenAPI document lists for it, if it documents it.
 */
export function fuzzRoutes(
  recorded: RecordedRoute[],
  document: OpenApiDocument,
): FuzzRoute[] {
  const seen = new Set<string>();
  const routes: FuzzRoute[] = [];
  for (const { method, url } of recorded) {
    const key = `${method} ${url}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const operation = operationOf(document, method, url);
    routes.push({
      method,
      url,
      params: url
        .split('/')
        .filter((segment) => segment.startsWith(':') || segment === '*')
        .map((segment) => segment.replace(/^:/, '')),
      query: (operation?.parameters ?? [])
        .filter((parameter) => parameter.in === 'query')
        .map((parameter) => ({
          name: parameter.name,
          schema: (parameter.schema ?? {}) as QueryParameter['schema'],
        })),
    });
  }
  return routes;
}

function operationOf(document: OpenApiDocument, method: string, url: string) {
  const path = url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  const verb = method === 'HEAD' ? 'get' : method.toLowerCase();
  return document.paths[path]?.[verb];
}
