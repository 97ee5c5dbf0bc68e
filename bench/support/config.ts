import { createHash } from 'node:crypto';
import type { AppConfig } from '../../src/config/app-config.js';
import { loadConfig } from '../../src/config/config.loader.js';

type Tree = Record<string, unknown>;

/**
 * The service's own configuration (config.yaml defaults) on a benchmark's SQLite file, with
 * logging reduced to warnings so that log output does not dominate what is measured.
 * Durability stays at the shipped default: WAL with synchronous = FULL. With API_KEY set (as
 * `npm run bench` does) that key is the one admin key, so HTTP runs pay the access check; the
 * rate limiter runs too, with a limit no run reaches.
 */
export function benchConfig(
  databasePath: string,
  overrides: Tree = {},
): AppConfig {
  return loadConfig({
    env: {},
    overrides: merge(
      {
        database: { path: databasePath, synchronous: 'full' },
        log: { level: 'warn', pretty: false },
        event: { store: { enabled: true, driver: 'sqlite' } },
        security: { api_keys: benchKeys() },
        rate_limit: { limit: 1_000_000_000 },
      },
      overrides,
    ),
  });
}

function benchKeys(): Tree[] {
  const key = process.env.API_KEY;
  if (!key) return [];
  const digest = createHash('sha256').update(key).digest('hex');
  return [{ name: 'bench', key_sha256: digest, roles: ['admin'] }];
}

function merge(target: Tree, source: Tree): Tree {
  const result: Tree = { ...target };
  for (const [key, value] of Object.entries(source)) {
    const existing = result[key];
    result[key] =
      isTree(value) && isTree(existing) ? merge(existing, value) : value;
  }
  return result;
}

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
