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

/** Who may call a route, and whether a call spends the caller's rate_limit budget. */
export interface RouteRule {
  access: Access;
  rateLimited: boolean;
}

/** A controller route's decorators: @Public() / @Roles() and @Unlimited(). */
export interface ControllerDecision {
  /** Undefined: no decision (the app refuses to start). */
  access?: Access;
  rateLimited: boolean;
}

export interface RouteDecision extends ControllerDecision {
  method: string;
  url: string;
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
 * (AccessExplorer), any other from the table above. One Fastify hook (access.hooks.ts) enforces
 * them all: there is no Nest guard on the request path.
 */
export class RouteAccessTable {
  private readonly routes = new Map<string, RecordedRoute>();
  private readonly controllerHandlers = new Map<string, ControllerDecision>();
  /** Every route's rule by `METHOD url`, worked out once by verify(). */
  private readonly rules = new Map<string, RouteRule>();
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
    decision: ControllerDecision,
  ): void {
    this.controllerHandlers.set(handlerName, decision);
  }

  /** The rule of a route (its method and URL pattern); undefined for a route nobody decided on. */
  ruleOf(method: string, url: string): RouteRule | undefined {
    return this.rules.get(`${method} ${url}`);
  }

  list(): RouteDecision[] {
    return [...this.routes.values()].map((route) => {
      if (route.outside) {
        // Swagger UI, the live page's files and preflights: not counted, as before any key.
        return {
          method: route.method,
          url: route.url,
          access: route.outside,
          rateLimited: false,
          controller: false,
        };
      }
      const decision = this.controllerHandlers.get(route.handlerName);
      return {
        method: route.method,
        url: route.url,
        access: decision?.access,
        rateLimited: decision?.rateLimited ?? true,
        controller: true,
      };
    });
  }

  /**
   * Throws naming every route without a decision, else fixes the rules the access hook reads;
   * run once all routes are registered.
   */
  verify(): void {
    const routes = this.list();
    const undecided = routes
      .filter((route) => route.access === undefined)
      .map((route) => `${route.method} ${route.url}`);
    if (undecided.length > 0) {
      throw new Error(
        `routes without an access decision: ${undecided.join(', ')}. ` +
          'Give controller methods @Public() or @Roles(...); add routes served outside controllers to ROUTES_OUTSIDE_CONTROLLERS (src/security/route-access-table.ts).',
      );
    }
    this.rules.clear();
    for (const { method, url, access, rateLimited } of routes) {
      if (access !== undefined)
        this.rules.set(`${method} ${url}`, { access, rateLimited });
    }
  }
}
