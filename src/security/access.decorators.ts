import { SetMetadata } from '@nestjs/common';
import { PUBLIC, type Access } from './access.js';
import type { Role } from './roles.js';

export const ACCESS_METADATA = 'security:access';
export const UNLIMITED_METADATA = 'security:unlimited';

/** Anyone may call the route, without a key. */
export const Public = () => SetMetadata(ACCESS_METADATA, PUBLIC);

/** A key holding one of `roles` may call the route (admin holds them all). */
export const Roles = (...roles: [Role, ...Role[]]) =>
  SetMetadata(ACCESS_METADATA, { roles } satisfies Access);

/**
 * The route does not spend the caller's rate_limit budget: probes (health checks, metrics
 * scrapes) that must keep answering while a key is over its limit.
 */
export const Unlimited = () => SetMetadata(UNLIMITED_METADATA, true);
