import type { RouteOptions } from 'fastify';
import { PUBLIC, type Access } from './access.js';

/** A route served by a Fastify plugin rather than a controller, and who may call it. */
interface RouteOutsideControllers {
  methods: readonly string[];
  url: RegExp;
  access: Access | 'docs';
}

// Every route that is not a controller's must match one of these (checked at boot).
const ROUTES_OUTSIDE_CONTROLLERS: readonly RouteOutsideControllers[] = [
  // Swagger UI, its static files and the OpenAPI document (security.docs_public).
  {
    methods: ['GET', 'HEAD'],
    url: /^\/docs(-json|-yaml|\/.*)?$/,
    access: 'docs',
  },
  // The live page (src/live): files only; every call it makes needs the visitor's key.
  { methods: ['GET', 'HEAD'], url: /^\/(live\/\*)?$/, access: PUBLIC },
  // CORS preflight (server.cors.origins): browsers send it without credentials.
  { methods: ['OPTIONS'], url: /^\/?\*$/, access: PUBLIC },
];

export interface RouteDecision {
  method: string;
  url: string;
  /** Undefined: no decision (the app refuses to start). */
  access?: Access;
  /** Decided by the controller's decorators rather than the table above. */
  controller: boolean;
}

interface RecordedRoute {
  method: string;
  url: string;
  handlerName: string;
  outside?: Access;
}

/**
 * Every route Fastify serves, collected as it is registered (onRoute, hooked before anything
 * registers a route), with its access decision: a controller route's from its decorators
 * (AccessExplorer), any other from the table above. The preHandler hook enforces the table;
 * ApiKeyGuard enforces the decorators.
 */
export class RouteAccessTable {
  private readonly routes = new Map<string, RecordedRoute>();
  private readonly controllerHandlers = new Map<string, Access | undefined>();
  private readonly docsAccess: Access;

  /** `docsPublic`: security.docs_public as resolved for this environment. */
  constructor(docsPublic: boolean) {
    this.docsAccess = docsPublic ? PUBLIC : { roles: ['reader'] };
  }

  /** Fastify onRoute hook. */
  readonly record = (route: RouteOptions): void => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const outside = ROUTES_OUTSIDE_CONTROLLERS.find(
        (entry) => entry.methods.includes(method) && entry.url.test(route.url),
      );
      this.routes.set(`${method} ${route.url}`, {
        method,
        url: route.url,
        handlerName: route.handler.name,
        outside:
          outside &&
          (outside.access === 'docs' ? this.docsAccess : outside.access),
      });
    }
  };

  /** A controller method (`Class.method`, the name Nest gives its route handler) and its decision. */
  declareControllerRoute(
    handlerName: string,
    access: Access | undefined,
  ): void {
    this.controllerHandlers.set(handlerName, access);
  }

  /**
   * The table's decision for a route outside controllers; 'controller' when its guard decides;
   * undefined for a route nobody decided on.
   */
  accessOf(method: string, url: string): Access | 'controller' | undefined {
    const route = this.routes.get(`${method} ${url}`);
    if (route === undefined) return undefined;
    if (route.outside) return route.outside;
    return this.controllerHandlers.get(route.handlerName) !== undefined
      ? 'controller'
      : undefined;
  }

  list(): RouteDecision[] {
    return [...this.routes.values()].map((route) => {
      const controller = !route.outside;
      return {
        method: route.method,
        url: route.url,
        access: route.outside ?? this.controllerHandlers.get(route.handlerName),
        controller,
      };
    });
  }

  /** Throws naming every route without a decision; run once all routes are registered. */
  verify(): void {
    const undecided = this.list()
      .filter((route) => route.access === undefined)
      .map((route) => `${route.method} ${route.url}`);
    if (undecided.length > 0) {
      throw new Error(
        `routes without an access decision: ${undecided.join(', ')}. ` +
          'Give controller methods @Public() or @Roles(...); add routes served outside controllers to ROUTES_OUTSIDE_CONTROLLERS (src/security/route-access-table.ts).',
      );
    }
  }
}
