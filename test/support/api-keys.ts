import { createHash, randomBytes } from 'node:crypto';
import type { ConfigOverrides } from './test-app.js';

export type Role = 'reader' | 'publisher' | 'admin';

/** An API key for tests: the key a client sends, and the config entry holding its digest. */
export interface TestKey {
  name: string;
  key: string;
  entry: {
    name: string;
    key_sha256: string;
    roles: Role[];
    sources?: string[];
  };
}

export function testKey(
  name: string,
  roles: Role[],
  sources?: string[],
): TestKey {
  const key = `nesk_${randomBytes(32).toString('base64url')}`;
  return {
    name,
    key,
    entry: {
      name,
      key_sha256: createHash('sha256').update(key).digest('hex'),
      roles,
      ...(sources ? { sources } : {}),
    },
  };
}

/** Config overrides that configure exactly these keys. */
export function withKeys(...keys: TestKey[]): ConfigOverrides {
  return { security: { api_keys: keys.map((key) => key.entry) } };
}

export function bearer(key: TestKey): Record<string, string> {
  return { authorization: `Bearer ${key.key}` };
}
