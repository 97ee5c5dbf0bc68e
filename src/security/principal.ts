import type { IncomingMessage } from 'node:http';
import type { Role } from './roles.js';

/** Who is calling: an API key, or anyone at all when no key is configured (open mode). */
export interface Principal {
  /** The key's name (the actor of what it publishes); undefined in open mode. */
  name?: string;
  roles: ReadonlySet<Role>;
  /** `source` of the events it publishes without one. */
  defaultSource: string;
  /** Why it may not publish under `source`; undefined when it may. */
  sourceRefusal(source: string): string | undefined;
}

/** What a request's credentials amount to. */
export type Identity =
  { principal: Principal } | { refused: 'missing' | 'invalid' };

const identities = new WeakMap<IncomingMessage, Identity>();

/** The identity already worked out for this request, if any. */
export function cachedIdentity(request: IncomingMessage): Identity | undefined {
  return identities.get(request);
}

export function cacheIdentity(
  request: IncomingMessage,
  identity: Identity,
): void {
  identities.set(request, identity);
}

/** The caller of a request that passed the access check (undefined before it, or on public routes). */
export function principalOf(request: IncomingMessage): Principal | undefined {
  const identity = identities.get(request);
  return identity && 'principal' in identity ? identity.principal : undefined;
}
