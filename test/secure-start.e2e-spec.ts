import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfig } from '../src/config/config.loader.js';
import { assertSecureStart } from '../src/security/secure-start.js';
import { testKey } from './support/api-keys.js';
import { REPO_ROOT } from './support/app-build.js';
import { useChildApps } from './support/child-app.js';
import { startTestApp, temporaryDirectory } from './support/test-app.js';

const run = promisify(execFile);

describe('start-up check', () => {
  const config = (keys: unknown[] = []) =>
    loadConfig({ env: {}, overrides: { security: { api_keys: keys } } });

  it('refuses to start in production without an API key, naming security.api_keys', () => {
    let error: unknown;
    try {
      assertSecureStart(config(), { NODE_ENV: 'production' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('security.api_keys');
  });

  it('starts in production with a key, and open elsewhere', () => {
    const key = testKey('ops', ['admin']);
    expect(() =>
      assertSecureStart(config([key.entry]), { NODE_ENV: 'production' }),
    ).not.toThrow();
    expect(() => assertSecureStart(config(), {})).not.toThrow();
    expect(() =>
      assertSecureStart(config(), { NODE_ENV: 'development' }),
    ).not.toThrow();
  });
});

describe('the service process', () => {
  const apps = useChildApps();

  it('exits 1 in production without keys, naming security.api_keys', async () => {
    const { code, output } = await apps.runToExit({
      NODE_ENV: 'production',
      DATABASE__PATH: join(apps.directory, 'refused.db'),
      SERVER__HOST: '127.0.0.1',
      PORT: '0',
    });
    expect(code, output).toBe(1);
    expect(output).toContain('security.api_keys');
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('warns at start that it runs open when no key is configured', async () => {
    const child = await apps.start({
      databasePath: join(apps.directory, 'open.db'),
    });
    try {
      expect(child.output()).toContain('security.api_keys is empty');
    } finally {
      await child.kill('SIGTERM');
    }
  });

  it('runs in production with keys from SECURITY__API_KEYS, keeps /docs private and never logs a key', async () => {
    const reader = testKey('dashboards', ['reader']);
    const child = await apps.start({
      databasePath: join(apps.directory, 'production.db'),
      env: {
        NODE_ENV: 'production',
        SECURITY__API_KEYS: JSON.stringify([reader.entry]),
        LOG__LEVEL: 'info',
      },
    });
    try {
      const get = (path: string, headers: Record<string, string> = {}) =>
        fetch(`${child.baseUrl}${path}`, {
          headers,
          signal: AbortSignal.timeout(5_000),
        });
      expect((await get('/events')).status).toBe(401);
      expect((await get('/docs')).status).toBe(401);
      const authorized = await get('/events', {
        authorization: `Bearer ${reader.key}`,
      });
      expect(authorized.status).toBe(200);
      await get('/events', { 'x-api-key': reader.key });
      await get('/events', { authorization: `Bearer ${reader.key}x` });
    } finally {
      await child.kill('SIGTERM');
    }
    expect(child.output()).toContain('GET /events');
    expect(child.output()).not.toContain(reader.key);
    expect(child.output()).not.toContain('security.api_keys is empty');
  });
});

describe('npm run key', () => {
  const directory = temporaryDirectory();
  afterAll(() => directory.cleanup());

  const key = (...args: string[]) =>
    run(process.execPath, [join(REPO_ROOT, 'scripts', 'key.js'), ...args], {
      cwd: REPO_ROOT,
    });

  it('prints a new key and a config entry that lets exactly that key in', async () => {
    const { stdout } = await key(
      'shipping',
      'publisher',
      '--source',
      '/shipping',
    );
    const printedKey = /^ {4}(nesk_[A-Za-z0-9_-]{43})$/m.exec(stdout)?.[1];
    expect(printedKey).toBeDefined();
    const yaml = stdout.slice(stdout.indexOf('  - name:'));
    const entries = parseYaml(yaml.slice(0, yaml.indexOf('\n\n')));
    expect(entries).toEqual([
      {
        name: 'shipping',
        key_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        roles: ['publisher'],
        sources: ['/shipping'],
      },
    ]);

    const again = await key('shipping', 'publisher');
    expect(again.stdout).not.toContain(printedKey);

    const api = await startTestApp(directory.path, {
      security: { api_keys: entries },
    });
    try {
      const published = await api.request({
        method: 'POST',
        url: '/events',
        headers: { authorization: `Bearer ${printedKey}` },
        payload: { type: 'parcel.scanned', source: '/shipping' },
      });
      expect(published.statusCode, published.body).toBe(201);
      const read = await api.request({
        method: 'GET',
        url: '/events',
        headers: { authorization: `Bearer ${printedKey}` },
      });
      expect(read.statusCode).toBe(403);
    } finally {
      await api.close();
    }
  });

  it.each([[['ops']], [['ops', 'writer']], [['has space', 'reader']]])(
    'refuses %j with exit code 1',
    async (args) => {
      await expect(key(...args)).rejects.toMatchObject({ code: 1 });
    },
  );
});
