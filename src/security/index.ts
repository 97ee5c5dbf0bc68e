// What controllers and the publish path use of the security module.
export { Public, Roles } from './access.decorators.js';
export { principalOf, type Principal } from './principal.js';
