import { bearer, testKey, withKeys } from './support/api-keys.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer as createTlsServer, type Server } from 'node:tls';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.factory.js';
import { SecretBox } from '../src/common/crypto/secret-box.js';
import { loadConfig } from '../src/config/config.loader.js';
import { collectMigrations } from '../src/database/migration-collector.js';
import { fakeDnsModule, ScriptedResolver } from './support/fake-dns.js';
import { expectClientError, getJson, published } from './support/http.js';
import {
  deepMerge,
  eventually,
  usePerTestApp,
  type ConfigOverrides,
  type TestApp,
} from './support/test-app.js';
import {
  Receiver,
  REPLY_MARKER,
  type Received,
} from './support/webhook-receiver.js';

const SECRET_KEY = Buffer.alloc(32, 0x5c).toString('base64');
const FAST_RETRIES = {
  event: {
    handlers: {
      retry_count: 3,
      retry_delay: 20,
      retry_max_delay: 100,
      shutdown_grace: 300,
    },
  },
};
/** An address on the public internet; this machine cannot reach it. */
const PUBLIC_ADDRESS = '93.184.216.34';

interface StoredSecretRow {
  name: string;
  plaintext_secret: string | null;
  secret_ciphertext: string | null;
}

const ADMIN = testKey('operator', ['admin']);

describe('webhook security', () => {
  const apps = usePerTestApp();
  let api: TestApp | undefined;
  const receivers: Receiver[] = [];
  const tlsServers: Server[] = [];
  const savedNodeEnv = process.env.NODE_ENV;

  // Runs before the app is closed (usePerTestApp closes it after this hook).
  afterEach(async () => {
    process.env.NODE_ENV = savedNodeEnv;
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
    for (const server of tlsServers.splice(0)) {
      await new Promise((resolve) => server.close(resolve));
    }
    api = undefined;
  });

  async function boot(
    overrides: ConfigOverrides = {},
    resolver?: ScriptedResolver,
  ): Promise<TestApp> {
    api = await apps.boot(deepMerge(FAST_RETRIES, overrides), {
      imports: resolver ? [fakeDnsModule(resolver)] : [],
    });
    return api;
  }

  async function receiver(): Promise<{ receiver: Receiver; url: string }> {
    const created = new Receiver();
    receivers.push(created);
    return { receiver: created, url: await created.start() };
  }

  /** Sent with every request of the production cases, which run with an admin key. */
  let headers: Record<string, string> | undefined;

  function create(body: Record<string, unknown>) {
    return (api as TestApp).request({
      method: 'POST',
      url: '/subscriptions',
      payload: body,
      headers,
    });
  }

  async function subscribe(body: Record<string, unknown>) {
    const response = await create(body);
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  }

  async function parked(subscription: string): Promise<any[]> {
    return eventually(
      async () => {
        const page = await getJson(
          api as TestApp,
          `/events/dead-letters?subscription=${subscription}`,
        );
        return page.dead_letters.length > 0 ? page.dead_letters : undefined;
      },
      { what: `an event parked for ${subscription}` },
    );
  }

  function publishEvent(id: string) {
    return published(api as TestApp, {
      id,
      type: 'shop.order_placed',
      source: '/webhook-security-test',
      data: { id },
    });
  }

  function storedSecrets(): StoredSecretRow[] {
    const db = new Database((api as TestApp).databasePath, {
      readonly: true,
    });
    try {
      return db
        .prepare(
          'SELECT name, plaintext_secret, secret_ciphertext FROM webhook_subscriptions ORDER BY name',
        )
        .all() as StoredSecretRow[];
    } finally {
      db.close();
    }
  }

  describe('connections go to the address that was checked', () => {
    it("connects to the resolver's address for a listed name, with the URL's host in the Host header", async () => {
      const resolver = new ScriptedResolver((host) =>
        host === 'receiver.test' ? '127.0.0.1' : undefined,
      );
      await boot({ webhooks: { allowed_hosts: ['receiver.test'] } }, resolver);
      const { receiver: target } = await receiver();
      const url = `http://receiver.test:${target.port}/hook`;
      await subscribe({ name: 'named', pattern: '**', url });

      await publishEvent('named-1');
      await eventually(() => target.requests.length === 1, {
        what: 'the delivery',
      });

      expect(target.requests[0].headers.host).toBe(
        `receiver.test:${target.port}`,
      );
      // One resolution for the check at creation, one for the delivery attempt.
      expect(resolver.calls).toEqual(['receiver.test', 'receiver.test']);
    });

    it("sends the URL's host as the TLS server name, resolving once per attempt", async () => {
      const resolver = new ScriptedResolver(() => '127.0.0.1');
      await boot({ webhooks: { allowed_hosts: ['*', '127.0.0.1'] } }, resolver);
      const serverNames: string[] = [];
      const tls = createTlsServer({
        // No certificate: the handshake fails after the client has named the server.
        SNICallback: (name, callback) => {
          serverNames.push(name);
          callback(new Error('no certificate'), undefined);
        },
      });
      tls.on('tlsClientError', () => undefined);
      tlsServers.push(tls);
      await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
      const { port } = tls.address() as AddressInfo;
      await subscribe({
        name: 'tls',
        pattern: '**',
        url: `https://hooks.receiver.test:${port}/hook`,
      });

      await publishEvent('tls-1');
      const [entry] = await parked('webhook.tls');

      expect(entry.attempts).toBe(3);
      expect(serverNames).toEqual(Array(3).fill('hooks.receiver.test'));
      expect(resolver.calls).toHaveLength(1 + 3);
    });

    it('never reaches a loopback receiver through a resolver that answers public first and 127.0.0.1 afterwards', async () => {
      const resolver = new ScriptedResolver(() => PUBLIC_ADDRESS);
      await boot(
        { webhooks: { allowed_hosts: ['*'], timeout: 500 } },
        resolver,
      );
      const { receiver: target } = await receiver();
      await subscribe({
        name: 'rebound',
        pattern: '**',
        url: `http://rebind.test:${target.port}/hook`,
      });
      // DNS rebinding: the public answer for the check, loopback for any later question.
      resolver.script((_host, call) =>
        call === 1 ? PUBLIC_ADDRESS : '127.0.0.1',
      );

      await publishEvent('rebound-1');
      const [entry] = await parked('webhook.rebound');

      expect(target.requests).toHaveLength(0);
      // Attempt 1 went to the public address (unreachable here); attempt 2 was refused.
      expect(resolver.calls).toHaveLength(2);
      expect(entry.attempts).toBe(2);
      expect(entry.last_error).toMatch(
        /rebind\.test resolves to 127\.0\.0\.1, an internal address/,
      );
      const stats = await getJson(api as TestApp, '/events/stats');
      const subscription = stats.subscriptions.find(
        (s: any) => s.name === 'webhook.rebound',
      );
      for (const text of [entry.last_error, subscription.last_error]) {
        expect(text).not.toContain(REPLY_MARKER);
      }
    });

    it('refuses at creation a name that resolves to an internal address', async () => {
      const resolver = new ScriptedResolver(() => '10.0.0.7');
      await boot({ webhooks: { allowed_hosts: ['*'] } }, resolver);

      const response = await create({
        name: 'internal',
        pattern: '**',
        url: 'http://intranet.test/hook',
      });

      const body = expectClientError(response, 400, 'url');
      expect(body.message).toMatch(/10\.0\.0\.7, an internal address/);
      expect(
        (await getJson(api as TestApp, '/subscriptions')).subscriptions,
      ).toEqual([]);
    });
  });

  describe('signing secrets at rest', () => {
    it('stores the signing key sealed under security.secret_key: no plain text in the database file', async () => {
      await boot({
        security: { secret_key: SECRET_KEY },
        webhooks: { allowed_hosts: ['127.0.0.1'] },
      });
      const { url } = await receiver();
      const secret = `whsec_${Buffer.alloc(32, 0xa7).toString('base64')}`;
      await subscribe({ name: 'sealed', pattern: '**', url, secret });

      const [row] = storedSecrets();
      expect(row.plaintext_secret).toBeNull();
      expect(row.secret_ciphertext).toMatch(/^v1:[^:]+:[^:]+:[^:]+$/);
      const opened = new SecretBox(Buffer.from(SECRET_KEY, 'base64')).open(
        row.secret_ciphertext as string,
        'webhook.sealed',
      );
      expect(opened).toEqual(Buffer.alloc(32, 0xa7));
      expect(existsSync(join(apps.directory(), 'secret.key'))).toBe(false);

      await (api as TestApp).close();
      api = undefined;
      const database = join(apps.directory(), 'events.db');
      const files = [database, `${database}-wal`].filter(existsSync);
      for (const file of files) {
        const bytes = readFileSync(file);
        for (const form of [secret, secret.slice(6), 'a7a7a7a7']) {
          expect(bytes.includes(form), `${form} in ${file}`).toBe(false);
        }
        expect(bytes.includes(Buffer.alloc(32, 0xa7))).toBe(false);
      }
    });

    it('without security.secret_key, seals with a key generated in secret.key (mode 0600) that survives a restart', async () => {
      await boot({ webhooks: { allowed_hosts: ['127.0.0.1'] } });
      const { receiver: target, url } = await receiver();
      const { secret } = await subscribe({ name: 'local', pattern: '**', url });

      const keyFile = join(apps.directory(), 'secret.key');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
      const [row] = storedSecrets();
      expect(
        new SecretBox(key).open(
          row.secret_ciphertext as string,
          'webhook.local',
        ),
      ).toEqual(Buffer.from(secret.slice(6), 'base64'));

      await (api as TestApp).restart();
      await publishEvent('after-restart');
      await eventually(() => target.requests.length === 1, {
        what: 'the delivery after the restart',
      });
      expect(() => verify(target.requests[0], secret)).not.toThrow();
    });

    it('encrypts at start a plain-text secret stored by the previous schema; deliveries verify with the original secret', async () => {
      const { receiver: target, url } = await receiver();
      const legacySecret = 'a-legacy-shared-secret';
      await createLegacyDatabase(join(apps.directory(), 'events.db'), {
        name: 'legacy',
        url,
        secret: legacySecret,
      });

      await boot({ webhooks: { allowed_hosts: ['127.0.0.1'] } });

      const [row] = storedSecrets();
      expect(row).toMatchObject({ name: 'legacy', plaintext_secret: null });
      expect(row.secret_ciphertext).toMatch(/^v1:/);
      expect(row.secret_ciphertext).not.toContain(legacySecret);
      const listed = await getJson(api as TestApp, '/subscriptions/legacy');
      expect(listed).toMatchObject({ signed: true, status: { running: true } });

      await publishEvent('legacy-1');
      await eventually(() => target.requests.length === 1, {
        what: 'the delivery',
      });
      const [request] = target.requests;
      // The old secret is the key as its bytes: raw, or spelled as a whsec_ secret.
      expect(
        new StandardWebhook(legacySecret, { format: 'raw' }).verify(
          request.body.toString('utf8'),
          request.headers as Record<string, string>,
        ),
      ).toMatchObject({ id: 'legacy-1' });
      expect(() =>
        verify(
          request,
          `whsec_${Buffer.from(legacySecret).toString('base64')}`,
        ),
      ).not.toThrow();
    });

    it('refuses to start in production, naming security.secret_key, when webhooks have secrets and no key is set', async () => {
      await boot({ webhooks: { allowed_hosts: ['127.0.0.1'] } });
      const { url } = await receiver();
      await subscribe({ name: 'signed', pattern: '**', url });
      await (api as TestApp).close();
      api = undefined;

      process.env.NODE_ENV = 'production';
      const app = await createApp(
        loadConfig({
          env: {},
          overrides: {
            database: { path: join(apps.directory(), 'events.db') },
            log: { level: 'silent', pretty: false },
            ...withKeys(ADMIN),
          },
        }),
      );
      try {
        await expect(app.init()).rejects.toThrow(
          /security\.secret_key is required in production: 1 webhook subscription/,
        );
      } finally {
        await app.close().catch(() => undefined);
      }
    });

    it('in production without security.secret_key, starts with no webhooks and answers 409 to creating one', async () => {
      process.env.NODE_ENV = 'production';
      headers = bearer(ADMIN);
      try {
        await boot({
          webhooks: { allowed_hosts: ['127.0.0.1'] },
          ...withKeys(ADMIN),
        });
        const { url } = await receiver();

        const response = await create({ name: 'refused', pattern: '**', url });

        const body = expectClientError(response, 409, 'security.secret_key');
        expect(body.setting).toBe('security.secret_key');
        const list = await (api as TestApp).request({
          method: 'GET',
          url: '/subscriptions',
          headers,
        });
        expect(list.json().subscriptions).toEqual([]);
        expect(existsSync(join(apps.directory(), 'secret.key'))).toBe(false);
        await (api as TestApp).restart({
          security: { secret_key: SECRET_KEY, api_keys: [ADMIN.entry] },
        });
        await subscribe({ name: 'accepted', pattern: '**', url });
      } finally {
        headers = undefined;
      }
    });
  });

  describe('webhooks.max_subscriptions', () => {
    it('answers 409 naming the limit for one subscription too many, and accepts one again after a delete', async () => {
      await boot({
        webhooks: { allowed_hosts: ['127.0.0.1'], max_subscriptions: 2 },
      });
      const { url } = await receiver();
      await subscribe({ name: 'one', pattern: '**', url });
      await subscribe({ name: 'two', pattern: '**', url });

      const third = await create({ name: 'three', pattern: '**', url });

      const body = expectClientError(third, 409, 'webhooks.max_subscriptions');
      expect(body.limit).toBe(2);
      const list = await getJson(api as TestApp, '/subscriptions');
      expect(list.subscriptions.map((s: any) => s.name)).toEqual([
        'one',
        'two',
      ]);
      const stats = await getJson(api as TestApp, '/events/stats');
      expect(stats.subscriptions.map((s: any) => s.name)).not.toContain(
        'webhook.three',
      );
      await (api as TestApp).request({
        method: 'DELETE',
        url: '/subscriptions/one',
      });
      await subscribe({ name: 'three', pattern: '**', url });
    });
  });
});

/** What a receiver does: verifies the raw body and headers with the standardwebhooks library. */
function verify(request: Received, secret: string): unknown {
  return new StandardWebhook(secret).verify(
    request.body.toString('utf8'),
    request.headers as Record<string, string>,
  );
}

/**
 * A database as the version before encrypted secrets left it: the migrations up to the
 * creation of webhook_subscriptions, and a webhook whose secret is stored in plain text.
 */
async function createLegacyDatabase(
  path: string,
  webhook: { name: string; url: string; secret: string },
): Promise<void> {
  const migrations = await collectMigrations();
  const last = migrations.findIndex(
    (migration) => migration.name === 'CreateWebhookSubscriptions1732300000010',
  );
  expect(last).toBeGreaterThan(0);
  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database: path,
    migrations: migrations.slice(0, last + 1),
    migrationsTransactionMode: 'each',
  });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
    await dataSource.query(
      'INSERT INTO webhook_subscriptions (name, pattern, url, mode, secret, start_from, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [
        webhook.name,
        '**',
        webhook.url,
        'structured',
        webhook.secret,
        'now',
        new Date().toISOString(),
      ],
    );
  } finally {
    await dataSource.destroy();
  }
}
