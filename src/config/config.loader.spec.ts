import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppConfig } from './app-config.js';
import { ConfigError, loadConfig } from './config.loader.js';

describe('loadConfig', () => {
  let directory: string;
  let emptyFile: string;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'config-loader-spec-'));
    emptyFile = join(directory, 'empty.yaml');
    writeFileSync(emptyFile, '');
  });
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  /** A config file in the temporary directory; returns its path. */
  function yamlFile(name: string, text: string): string {
    const path = join(directory, name);
    writeFileSync(path, text);
    return path;
  }

  /** Loads with only the given variables set, on top of an empty file unless CONFIG_FILE is given. */
  function load(
    env: Record<string, string> = {},
    overrides: Record<string, unknown> = {},
  ): AppConfig {
    return loadConfig({ env: { CONFIG_FILE: emptyFile, ...env }, overrides });
  }

  function configError(
    env: Record<string, string> = {},
    overrides: Record<string, unknown> = {},
  ): ConfigError {
    try {
      load(env, overrides);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error('loadConfig accepted an invalid configuration');
  }

  describe('defaults', () => {
    it('fills every key when the file is empty', () => {
      const config = load();

      expect(config).toBeInstanceOf(AppConfig);
      expect(config.server).toMatchObject({
        host: '0.0.0.0',
        port: 8080,
        body_limit: 1_048_576,
      });
      expect(config.database).toMatchObject({
        path: 'data/events.db',
        synchronous: 'full',
      });
      expect(config.log).toMatchObject({ level: 'info', pretty: 'auto' });
      expect(config.event.source).toBe('/nest-event-starter');
      expect(config.event.bus).toMatchObject({
        buffer_size: 1000,
        workers: 10,
      });
      expect(config.event.store).toMatchObject({
        enabled: true,
        driver: 'sqlite',
        retention_days: 90,
      });
      expect(config.event.handlers).toMatchObject({
        async: true,
        timeout: 30_000,
        retry_count: 3,
        retry_delay: 200,
        retry_max_delay: 30_000,
        shutdown_grace: 10_000,
      });
      expect(config.health).toMatchObject({
        max_lag: 10_000,
        disk_threshold: 0.95,
      });
    });

    it('keeps the defaults of keys a partial file leaves out', () => {
      const path = yamlFile(
        'partial.yaml',
        'event:\n  handlers:\n    retry_count: 7\n',
      );
      const config = loadConfig({ env: { CONFIG_FILE: path } });
      expect(config.event.handlers.retry_count).toBe(7);
      expect(config.event.handlers.timeout).toBe(30_000);
      expect(config.event.bus.buffer_size).toBe(1000);
      expect(config.server.port).toBe(8080);
    });
  });

  describe('YAML file', () => {
    it('reads the file named by CONFIG_FILE, with durations and booleans', () => {
      const path = yamlFile(
        'full.yaml',
        [
          'server:',
          '  host: 127.0.0.1',
          '  port: 9090',
          'database:',
          '  path: /tmp/x/events.db',
          '  synchronous: normal',
          'log:',
          '  level: warn',
          '  pretty: false',
          'event:',
          '  source: /orders',
          '  bus: { buffer_size: 50, workers: 2 }',
          '  handlers:',
          '    timeout: 30s',
          '    retry_delay: 500ms',
          '    retry_max_delay: 2m',
          '    shutdown_grace: 1.5s',
          '    async: false',
          'health:',
          '  disk_threshold: 0.5',
          '',
        ].join('\n'),
      );

      const config = loadConfig({ env: { CONFIG_FILE: path } });

      expect(config.server).toMatchObject({ host: '127.0.0.1', port: 9090 });
      expect(config.database).toMatchObject({
        path: '/tmp/x/events.db',
        synchronous: 'normal',
      });
      expect(config.log).toMatchObject({ level: 'warn', pretty: false });
      expect(config.event.source).toBe('/orders');
      expect(config.event.bus).toMatchObject({ buffer_size: 50, workers: 2 });
      expect(config.event.handlers).toMatchObject({
        timeout: 30_000,
        retry_delay: 500,
        retry_max_delay: 120_000,
        shutdown_grace: 1_500,
        async: false,
      });
      expect(config.health.disk_threshold).toBe(0.5);
    });

    it('takes a bare number as milliseconds', () => {
      const path = yamlFile(
        'ms.yaml',
        'event:\n  handlers:\n    timeout: 250\n',
      );
      expect(
        loadConfig({ env: { CONFIG_FILE: path } }).event.handlers.timeout,
      ).toBe(250);
    });

    it('throws ConfigError when CONFIG_FILE does not exist', () => {
      const missing = join(directory, 'missing.yaml');
      expect(() => loadConfig({ env: { CONFIG_FILE: missing } })).toThrow(
        ConfigError,
      );
      expect(() => loadConfig({ env: { CONFIG_FILE: missing } })).toThrow(
        /missing\.yaml/,
      );
    });

    it('throws ConfigError for a file that is not valid YAML', () => {
      const path = yamlFile('broken.yaml', 'server:\n  port: [8080\n');
      expect(() => loadConfig({ env: { CONFIG_FILE: path } })).toThrow(
        ConfigError,
      );
    });

    it('throws ConfigError for a file whose top level is not a mapping', () => {
      const path = yamlFile('list.yaml', '- server\n- port\n');
      expect(() => loadConfig({ env: { CONFIG_FILE: path } })).toThrow(
        /mapping/,
      );
    });

    it('names an unknown key of the file by its path', () => {
      const path = yamlFile(
        'typo.yaml',
        'event:\n  bus:\n    bufer_size: 10\n',
      );
      expect(() => loadConfig({ env: { CONFIG_FILE: path } })).toThrow(
        /event\.bus\.bufer_size/,
      );
    });
  });

  describe('keys that depend on each other', () => {
    it('defaults event.bus.max_batch to 1000, or to buffer_size when that is smaller', () => {
      expect(loadConfig({ env: {} }).event.bus.max_batch).toBe(1000);
      const small = loadConfig({
        env: {},
        overrides: { event: { bus: { buffer_size: 50 } } },
      });
      expect(small.event.bus.max_batch).toBe(50);
    });

    it('refuses an event.bus.max_batch above buffer_size, naming both keys', () => {
      expect(() =>
        loadConfig({
          env: {},
          overrides: { event: { bus: { buffer_size: 50, max_batch: 51 } } },
        }),
      ).toThrow(
        /event\.bus\.max_batch: must not exceed event\.bus\.buffer_size \(50\)/,
      );
    });
  });

  describe('environment', () => {
    it('overrides keys joined with __ and converts them to the key type', () => {
      const config = load({
        SERVER__PORT: '8081',
        EVENT__HANDLERS__RETRY_COUNT: '5',
        DATABASE__PATH: '/var/lib/app/events.db',
        HEALTH__DISK_THRESHOLD: '0.8',
        EVENT__SOURCE: '/from-env',
      });

      expect(config.server.port).toBe(8081);
      expect(config.event.handlers.retry_count).toBe(5);
      expect(config.database.path).toBe('/var/lib/app/events.db');
      expect(config.health.disk_threshold).toBe(0.8);
      expect(config.event.source).toBe('/from-env');
    });

    it('wins over the file', () => {
      const path = yamlFile('port.yaml', 'server:\n  port: 9000\n');
      const config = loadConfig({
        env: { CONFIG_FILE: path, SERVER__PORT: '9001' },
      });
      expect(config.server.port).toBe(9001);
    });

    it('reads PORT as a shorthand for server.port', () => {
      expect(load({ PORT: '3000' }).server.port).toBe(3000);
    });

    it('lets SERVER__PORT win over PORT', () => {
      expect(load({ PORT: '3000', SERVER__PORT: '8081' }).server.port).toBe(
        8081,
      );
    });

    it('reads durations', () => {
      const config = load({
        EVENT__HANDLERS__TIMEOUT: '30s',
        EVENT__HANDLERS__RETRY_DELAY: '500ms',
        EVENT__HANDLERS__SHUTDOWN_GRACE: '2500',
      });
      expect(config.event.handlers.timeout).toBe(30_000);
      expect(config.event.handlers.retry_delay).toBe(500);
      expect(config.event.handlers.shutdown_grace).toBe(2_500);
    });

    it.each([
      ['false', false],
      ['FALSE', false],
      ['0', false],
      ['no', false],
      ['true', true],
      ['1', true],
    ])('reads the boolean %j as %s', (text, value) => {
      const config = load({
        LOG__PRETTY: text,
        EVENT__STORE__ENABLED: text,
        EVENT__HANDLERS__ASYNC: text,
      });
      expect(config.log.pretty).toBe(value);
      expect(config.event.store.enabled).toBe(value);
      expect(config.event.handlers.async).toBe(value);
    });

    it('ignores variables outside the known sections', () => {
      const config = load({
        NODE_OPTIONS: '--max-old-space-size=512',
        npm_config__cache: '/tmp',
        SOME__OTHER__THING: 'x',
        PATH: '/usr/bin',
      });
      expect(config.server.port).toBe(8080);
    });

    it('does not read process.env when an env object is given', () => {
      expect(load().database.path).toBe('data/events.db');
    });

    it('lets overrides win over the environment', () => {
      const config = load({ SERVER__PORT: '8081' }, { server: { port: 8082 } });
      expect(config.server.port).toBe(8082);
    });
  });

  describe('invalid values', () => {
    it.each([
      [{ SERVER__PORT: '70000' }, {}, 'server.port', '70000'],
      [{ PORT: 'http' }, {}, 'server.port', 'http'],
      [
        { EVENT__HANDLERS__RETRY_COUNT: '0' },
        {},
        'event.handlers.retry_count',
        '0',
      ],
      [
        { EVENT__HANDLERS__TIMEOUT: 'soon' },
        {},
        'event.handlers.timeout',
        'soon',
      ],
      [{ LOG__LEVEL: 'loud' }, {}, 'log.level', 'loud'],
      [{ LOG__PRETTY: 'maybe' }, {}, 'log.pretty', 'maybe'],
      [{ EVENT__STORE__DRIVER: 'mysql' }, {}, 'event.store.driver', 'mysql'],
      [{ HEALTH__DISK_THRESHOLD: '2' }, {}, 'health.disk_threshold', '2'],
      [{}, { server: { body_limit: 10 } }, 'server.body_limit', '10'],
      [{}, { event: { bus: { workers: 0 } } }, 'event.bus.workers', '0'],
    ])(
      'throws ConfigError naming the key for %j %j',
      (env, overrides, key, value) => {
        const error = configError(env, overrides);
        expect(error.name).toBe('ConfigError');
        expect(error.message).toContain(key);
        expect(error.message).toContain(value);
      },
    );

    it('names an unknown key such as event.bus.bufer_size', () => {
      const error = configError({}, { event: { bus: { bufer_size: 10 } } });
      expect(error.message).toContain('event.bus.bufer_size');
      expect(error.message).toMatch(/unknown key/);
    });

    it('names an unknown key set from the environment', () => {
      expect(configError({ EVENT__BUS__BUFER_SIZE: '10' }).message).toContain(
        'event.bus.bufer_size',
      );
    });

    it('names every invalid key at once', () => {
      const error = configError({
        SERVER__PORT: '70000',
        EVENT__HANDLERS__TIMEOUT: 'soon',
      });
      expect(error.message).toContain('server.port');
      expect(error.message).toContain('event.handlers.timeout');
    });

    it('refuses an invalid value from the file the same way', () => {
      const path = yamlFile(
        'bad.yaml',
        'event:\n  handlers:\n    retry_count: 0\n',
      );
      expect(() => loadConfig({ env: { CONFIG_FILE: path } })).toThrow(
        /event\.handlers\.retry_count/,
      );
    });
  });
  describe('grpc', () => {
    it('is off by default, on loopback port 9090, in the shipped config.yaml too', () => {
      expect(load().grpc).toEqual({
        enabled: false,
        host: '127.0.0.1',
        port: 9090,
      });
      expect(loadConfig().grpc).toEqual({
        enabled: false,
        host: '127.0.0.1',
        port: 9090,
      });
    });

    it('reads GRPC__ENABLED, GRPC__HOST and GRPC__PORT', () => {
      const config = load({
        GRPC__ENABLED: 'true',
        GRPC__HOST: '0.0.0.0',
        GRPC__PORT: '9091',
      });
      expect(config.grpc).toEqual({
        enabled: true,
        host: '0.0.0.0',
        port: 9091,
      });
    });

    it('refuses a port out of range (0 too) and an empty host, naming the keys', () => {
      expect(() => load({ GRPC__PORT: '0' })).toThrow(/grpc\.port/);
      expect(() => load({ GRPC__PORT: '70000', GRPC__HOST: '' })).toThrow(
        /grpc\.port[\s\S]*grpc\.host|grpc\.host[\s\S]*grpc\.port/,
      );
    });

    it('refuses the HTTP port when enabled, naming grpc.port', () => {
      expect(() => load({ GRPC__ENABLED: 'true', GRPC__PORT: '8080' })).toThrow(
        /grpc\.port: must differ from server\.port/,
      );
    });
  });

  describe('webhooks', () => {
    it('allows any public host and a 10s delivery timeout by default', () => {
      expect(load().webhooks).toMatchObject({
        allowed_hosts: ['*'],
        timeout: 10_000,
      });
    });

    it('reads allowed_hosts as a list from the file and as a comma-separated variable', () => {
      const path = yamlFile(
        'webhooks.yaml',
        'webhooks:\n  allowed_hosts: [hooks.example.com, "*.internal", 10.0.0.0/8]\n  timeout: 2s\n',
      );
      const fromFile = loadConfig({ env: { CONFIG_FILE: path } });
      expect(fromFile.webhooks.allowed_hosts).toEqual([
        'hooks.example.com',
        '*.internal',
        '10.0.0.0/8',
      ]);
      expect(fromFile.webhooks.timeout).toBe(2_000);
      expect(
        load({ WEBHOOKS__ALLOWED_HOSTS: '127.0.0.1, ::1 ,*' }).webhooks
          .allowed_hosts,
      ).toEqual(['127.0.0.1', '::1', '*']);
    });

    it.each([
      [{ webhooks: { allowed_hosts: ['http://example.com'] } }],
      [{ webhooks: { allowed_hosts: ['exa mple.com'] } }],
      [{ webhooks: { allowed_hosts: 5 } }],
      [{ webhooks: { timeout: 'soon' } }],
    ])('names webhooks.* when %j is invalid', (overrides) => {
      expect(configError({}, overrides).message).toMatch(/webhooks\./);
    });

    it('allows 100 webhook subscriptions by default', () => {
      expect(load().webhooks.max_subscriptions).toBe(100);
      expect(
        load({ WEBHOOKS__MAX_SUBSCRIPTIONS: '3' }).webhooks.max_subscriptions,
      ).toBe(3);
      expect(
        configError({}, { webhooks: { max_subscriptions: -1 } }).message,
      ).toMatch(/webhooks\.max_subscriptions/);
    });
  });

  describe('security', () => {
    const KEY = Buffer.alloc(32, 7).toString('base64');

    it('has no secret key by default, in the shipped config.yaml too', () => {
      expect(load().security.secret_key).toBeUndefined();
      const shipped = loadConfig({
        env: { CONFIG_FILE: join(process.cwd(), 'config.yaml') },
      });
      expect(shipped.security.secret_key).toBeUndefined();
    });

    it('reads security.secret_key from the file and the environment', () => {
      const path = yamlFile(
        'security.yaml',
        `security:\n  secret_key: ${KEY}\n`,
      );
      expect(
        loadConfig({ env: { CONFIG_FILE: path } }).security.secret_key,
      ).toBe(KEY);
      expect(load({ SECURITY__SECRET_KEY: KEY }).security.secret_key).toBe(KEY);
      expect(
        load({ SECURITY__SECRET_KEY: '' }).security.secret_key,
      ).toBeUndefined();
    });

    it.each([
      ['too short', Buffer.alloc(16, 1).toString('base64')],
      ['too long', Buffer.alloc(33, 1).toString('base64')],
      ['not base64', 'this is not base64 at all, not even close!!!'],
      ['hex', 'ab'.repeat(32)],
    ])(
      'refuses a key that is %s, naming security.secret_key without echoing it',
      (_why, key) => {
        const message = configError({ SECURITY__SECRET_KEY: key }).message;
        expect(message).toMatch(
          /security\.secret_key: must be the base64 of exactly 32/,
        );
        expect(message).not.toContain(key);
      },
    );
  });

  describe('security, rate limits, proxy and CORS', () => {
    const digest = 'a'.repeat(64);
    const entry = { name: 'ops', key_sha256: digest, roles: ['admin'] };

    it('runs open with docs following NODE_ENV, 1000 requests a minute, no proxy and no CORS by default', () => {
      const config = load();
      expect(config.security.api_keys).toEqual([]);
      expect(config.security.docs_public).toBeUndefined();
      expect(config.rate_limit).toMatchObject({ limit: 1000, ttl: 60_000 });
      expect(config.server.trust_proxy).toBe(false);
      expect(config.server.cors.origins).toEqual([]);
    });

    it('reads API keys from the file and from SECURITY__API_KEYS as JSON', () => {
      const path = yamlFile(
        'keys.yaml',
        [
          'security:',
          '  api_keys:',
          '    - name: shipping',
          `      key_sha256: ${digest}`,
          '      roles: [publisher]',
          '      sources: [/shipping]',
          '  docs_public: false',
          'rate_limit: { limit: 50, ttl: 30s }',
          'server:',
          '  trust_proxy: true',
          '  cors: { origins: [https://app.example.com] }',
          '',
        ].join('\n'),
      );
      const fromFile = loadConfig({ env: { CONFIG_FILE: path } });
      expect(fromFile.security.api_keys).toEqual([
        {
          name: 'shipping',
          key_sha256: digest,
          roles: ['publisher'],
          sources: ['/shipping'],
        },
      ]);
      expect(fromFile.security.docs_public).toBe(false);
      expect(fromFile.rate_limit).toMatchObject({ limit: 50, ttl: 30_000 });
      expect(fromFile.server.trust_proxy).toBe(true);
      expect(fromFile.server.cors.origins).toEqual(['https://app.example.com']);

      const fromEnv = load({
        SECURITY__API_KEYS: JSON.stringify([entry]),
        SECURITY__DOCS_PUBLIC: 'true',
        RATE_LIMIT__LIMIT: '0',
        RATE_LIMIT__TTL: '2m',
        SERVER__TRUST_PROXY: 'yes',
        SERVER__CORS__ORIGINS: 'https://a.example, http://localhost:3000',
      });
      expect(fromEnv.security.api_keys).toEqual([entry]);
      expect(fromEnv.security.docs_public).toBe(true);
      expect(fromEnv.rate_limit).toMatchObject({ limit: 0, ttl: 120_000 });
      expect(fromEnv.server.trust_proxy).toBe(true);
      expect(fromEnv.server.cors.origins).toEqual([
        'https://a.example',
        'http://localhost:3000',
      ]);
    });

    it.each([
      [{ ...entry, key_sha256: 'abc' }, 'security.api_keys.0.key_sha256'],
      [
        { ...entry, key_sha256: 'g'.repeat(64) },
        'security.api_keys.0.key_sha256',
      ],
      [{ ...entry, roles: ['writer'] }, 'security.api_keys.0.roles'],
      [{ ...entry, roles: [] }, 'security.api_keys.0.roles'],
      [{ ...entry, name: 'has space' }, 'security.api_keys.0.name'],
      [{ ...entry, key: 'nesk_plain' }, 'security.api_keys.0.key'],
      [{ ...entry, sources: ['has space'] }, 'security.api_keys.0.sources'],
    ])('refuses the key %j naming %s', (key, path) => {
      const error = configError({}, { security: { api_keys: [key] } });
      expect(error.message).toContain(path);
    });

    it('refuses SECURITY__API_KEYS that is not JSON, naming the variable, not echoing it', () => {
      const error = configError({ SECURITY__API_KEYS: '[{name: ops' });
      expect(error.message).toContain('SECURITY__API_KEYS');
      expect(error.message).not.toContain('{name: ops');
    });

    it('validates keys from SECURITY__API_KEYS like the file', () => {
      const error = configError({
        SECURITY__API_KEYS: JSON.stringify([{ ...entry, roles: ['root'] }]),
      });
      expect(error.message).toContain('security.api_keys.0.roles');
    });

    it.each([
      [{ rate_limit: { limit: -1 } }, 'rate_limit.limit'],
      [{ rate_limit: { ttl: 'soon' } }, 'rate_limit.ttl'],
      [{ rate_limit: { ttl: 0 } }, 'rate_limit.ttl'],
      [
        { server: { cors: { origins: ['app.example.com'] } } },
        'server.cors.origins',
      ],
      [{ server: { trust_proxy: 'maybe' } }, 'server.trust_proxy'],
    ])('refuses %j naming %s', (overrides, path) => {
      expect(configError({}, overrides).message).toContain(path);
    });
  });
});
