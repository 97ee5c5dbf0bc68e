// What controllers and the publish path use of the security module.
export { Public, Roles, Unlimited } from './access.decorators.js';
export { principalOf, type Principal } from './principal.js';
// What other ways in than HTTP routes (the gRPC service) use to apply the same keys and roles.
export { ACCESS_METADATA } from './access.decorators.js';
export { enforceAccess, type Access } from './access.js';
export { ApiKeys } from './api-keys.js';
export { RateLimitBudget } from './rate-limit-budget.js';
export type { Identity } from './principal.js';
