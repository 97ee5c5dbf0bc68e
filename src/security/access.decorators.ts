import { SetMetadata } from '@nestjs/common';
import { PUBLIC, type Access } from './access.js';
import type { Role } from './roles.js';

export const ACCESS_METADATA = 'security:access';

/** Anyone may call the route, without a key. */
export const Public = () => SetMetadata(ACCESS_METADATA, PUBLIC);

/** A key holding one of `roles` may call the route (admin holds them all). */
export const Roles = (...roles: [Role, ...Role[]]) =>
  SetMetadata(ACCESS_METADATA, { roles } satisfies Access);
