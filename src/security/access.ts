import {
  ForbiddenError,
  UnauthenticatedError,
} from '../common/errors/domain-error.js';
import type { Identity, Principal } from './principal.js';
import type { Role } from './roles.js';

/** Who may call a route: anyone, or a key holding one of the roles. */
export type Access = { public: true } | { roles: readonly Role[] };

export const PUBLIC: Access = { public: true };

export const REALM = 'nest-event-starter';

/** Throws 401 or 403 unless `identity` may use a route with `access`. */
export function enforceAccess(
  access: Access,
  identity: Identity,
): Principal | undefined {
  if ('public' in access) return undefined;
  if ('refused' in identity) {
    throw identity.refused === 'missing'
      ? new UnauthenticatedError(
          'an API key is required: send it as Authorization: Bearer <key> or in X-Api-Key',
          `Bearer realm="${REALM}"`,
        )
      : new UnauthenticatedError(
          'the API key is not valid',
          `Bearer realm="${REALM}", error="invalid_token"`,
        );
  }
  const { principal } = identity;
  if (!access.roles.some((role) => principal.roles.has(role))) {
    throw new ForbiddenError(
      'authorization',
      `this route needs the ${access.roles.join(' or ')} role; the key "${principal.name}" has ${[...principal.roles].join(', ')}`,
    );
  }
  return principal;
}
