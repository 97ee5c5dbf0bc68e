import { Injectable, Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, RouteOptions } from 'fastify';

/** A route as Fastify registered it. */
export interface CollectedRoute {
  method: string;
  url: string;
}

/**
 * Collects Fastify's own route table while the app boots: its providers are created before
 * any route is registered (Swagger's and the controllers' alike), so the onRoute hook it adds
 * sees every one of them.
 */
@Injectable()
export class RouteCollector {
  static readonly routes: CollectedRoute[] = [];

  constructor(host: HttpAdapterHost) {
    const fastify = host.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRoute', (route: RouteOptions) => {
      const methods = Array.isArray(route.method)
        ? route.method
        : [route.method];
      for (const method of methods)
        RouteCollector.routes.push({ method, url: route.url });
    });
  }
}

@Module({ providers: [RouteCollector] })
export class RouteCollectorModule {}
