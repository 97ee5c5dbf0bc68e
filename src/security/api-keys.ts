import { hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config.js';
import {
  cacheIdentity,
  cachedIdentity,
  type Identity,
  type Principal,
} from './principal.js';
import { grantedRoles, ROLES } from './roles.js';

/** Where the events of a key without `source` come from: `/keys/<name>`. */
export const KEY_SOURCE_PREFIX = '/keys/';
/** The source of events published in open mode (no keys configured). */
export const OPEN_MODE_SOURCE = '/external';
// Keys are 32 random bytes, about 50 characters with their prefix; nothing longer is hashed.
const MAX_KEY_LENGTH = 512;
const BEARER = /^Bearer +(\S+) *$/i;

/** The request headers (or gRPC metadata entries) that carry an API key. */
export type Credentials = Pick<IncomingHttpHeaders, 'authorization'> & {
  'x-api-key'?: string | string[];
};

interface KeyEntry {
  /** SHA-256 of the key, lower-case hex. */
  digest: string;
  principal: Principal;
}

const OPEN_PRINCIPAL: Principal = {
  roles: new Set(ROLES),
  defaultSource: OPEN_MODE_SOURCE,
  sourceRefusal: () => undefined,
};

/**
 * The configured API keys, by the SHA-256 of the key (the key itself is never stored), and the
 * identity of each request. With no key configured every request is let in (open mode, which
 * the start-up check refuses in production).
 */
@Injectable()
export class ApiKeys implements OnApplicationBootstrap {
  private readonly logger = new Logger('Security');
  private readonly entries: KeyEntry[];
  /** Sources listed under a key, and that key's name: no other key may publish under them. */
  private readonly claimedSources = new Map<string, string>();
  private readonly port: number;

  constructor(config: ConfigService<AppConfig, true>) {
    const keys = config.get('security.api_keys', { infer: true });
    this.port = config.get('server.port', { infer: true });
    for (const key of keys) {
      for (const source of key.sources ?? [])
        this.claimedSources.set(source, key.name);
    }
    this.entries = keys.map((key) => {
      const defaultSource = `${KEY_SOURCE_PREFIX}${key.name}`;
      return {
        digest: key.key_sha256.toLowerCase(),
        principal: {
          name: key.name,
          roles: grantedRoles(key.roles),
          defaultSource,
          sourceRefusal: (source: string) =>
            this.sourceRefusal(key.name, defaultSource, key.sources, source),
        },
      };
    });
  }

  get open(): boolean {
    return this.entries.length === 0;
  }

  onApplicationBootstrap(): void {
    if (this.open) {
      this.logger.warn(
        `security.api_keys is empty: every route on port ${this.port} is open to anyone who can reach it. ` +
          'Add keys (npm run key -- <name> <roles...>) before exposing the service; with NODE_ENV=production it refuses to start without them.',
      );
    }
  }

  /** The request's identity, worked out once per request. */
  identify(request: FastifyRequest): Identity {
    let identity = cachedIdentity(request.raw);
    if (identity === undefined) {
      identity = this.identifyCredentials(request.headers);
      cacheIdentity(request.raw, identity);
    }
    return identity;
  }

  /**
   * Why the key `name` may not publish under `source`, or undefined when it may. A source
   * listed under a key, and every `/keys/<name>`, belong to that key alone, so no key can squat
   * the `id` + `source` of another's events.
   */
  private sourceRefusal(
    name: string,
    defaultSource: string,
    sources: readonly string[] | undefined,
    source: string,
  ): string | undefined {
    if (source === defaultSource) return undefined;
    if (source.startsWith(KEY_SOURCE_PREFIX)) {
      return `source ${source} is reserved for the key named ${source.slice(KEY_SOURCE_PREFIX.length)}`;
    }
    const owner = this.claimedSources.get(source);
    if (owner !== undefined && owner !== name) {
      return `source ${source} belongs to the key named ${owner}`;
    }
    if (sources && !sources.includes(source)) {
      return `the key ${name} may publish only under ${[defaultSource, ...sources].join(', ')}`;
    }
    return undefined;
  }

  /**
   * The identity that `authorization` and `x-api-key` prove, for callers that are not HTTP
   * requests (gRPC metadata carries the same two entries).
   */
  identifyCredentials(headers: Credentials): Identity {
    if (this.open) return { principal: OPEN_PRINCIPAL };
    const key = presentedKey(headers);
    if (key === undefined) return { refused: 'missing' };
    if (key === null || key.length > MAX_KEY_LENGTH)
      return { refused: 'invalid' };
    // One-shot hashing to hex: a seventh of createHash().update().digest()'s cost per request.
    const digest = hash('sha256', key, 'hex');
    // Every entry is compared, in constant time, so timing tells nothing about which matched.
    let match: Principal | undefined;
    for (const entry of this.entries) {
      if (sameDigest(digest, entry.digest)) match ??= entry.principal;
    }
    return match ? { principal: match } : { refused: 'invalid' };
  }
}

/** Compares two hex digests of equal length in time independent of where they differ. */
function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++)
    difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/**
 * The key in `Authorization: Bearer <key>` or `X-Api-Key: <key>`; undefined when neither is
 * sent, null when what is sent cannot be a key (another scheme, two different keys).
 */
function presentedKey(headers: Credentials): string | undefined | null {
  const authorization = headers.authorization;
  const apiKey = headers['x-api-key'];
  let bearer: string | undefined;
  if (authorization !== undefined) {
    const match = BEARER.exec(authorization);
    if (!match) return null;
    bearer = match[1];
  }
  if (apiKey === undefined) return bearer;
  if (typeof apiKey !== 'string' || apiKey.trim() === '') return null;
  if (bearer !== undefined && bearer !== apiKey.trim()) return null;
  return apiKey.trim();
}
