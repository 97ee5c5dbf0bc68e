import type { AppConfig, SecurityConfig } from '../config/app-config.js';
import { ConfigError } from '../config/config.loader.js';

/**
 * Refuses to start a production service that anyone could call: with NODE_ENV=production,
 * security.api_keys must name at least one key. Outside production an empty list runs the
 * service open, with a warning at start (ApiKeys).
 */
export function assertSecureStart(
  config: AppConfig,
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (config.security.api_keys.length === 0 && env.NODE_ENV === 'production') {
    throw new ConfigError(
      'security.api_keys: no API key is configured, and with NODE_ENV=production the service refuses to start open. ' +
        'Create one with `npm run key -- <name> <roles...>` and add it to config.yaml or SECURITY__API_KEYS (docs/security.md).',
    );
  }
}

/** security.docs_public, which defaults to true except in production. */
export function docsArePublic(
  security: SecurityConfig,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return security.docs_public ?? env.NODE_ENV !== 'production';
}
