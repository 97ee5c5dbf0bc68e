import { API_KEY_ROLES, type ApiKeyRole } from '../config/app-config.js';

export type Role = ApiKeyRole;
export const ROLES: readonly Role[] = API_KEY_ROLES;

/**
 * The roles a key's list grants: admin implies reader and publisher; publisher does not imply
 * reader (a partner that only publishes reads nothing back).
 */
export function grantedRoles(roles: readonly Role[]): ReadonlySet<Role> {
  return roles.includes('admin') ? new Set(ROLES) : new Set(roles);
}
