import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';

export const POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Whether a test that needs a server may run. When the server is down the test is skipped
 * with the reason in its name, unless REQUIRE_SERVICES=1 (CI), where a missing server fails.
 */
export async function serviceAvailability(
  name: string,
  probe: () => Promise<void>,
): Promise<{ available: boolean; reason: string }> {
  try {
    await probe();
    return { available: true, reason: '' };
  } catch (error) {
    const reason = `${name} unreachable: ${(error as Error).message}`;
    if (process.env.REQUIRE_SERVICES === '1') {
      throw new Error(`REQUIRE_SERVICES=1 but ${reason}`, { cause: error });
    }
    return { available: false, reason };
  }
}

export function postgresAvailability() {
  return serviceAvailability('PostgreSQL', async () => {
    const client = new pg.Client({
      connectionString: POSTGRES_URL,
      connectionTimeoutMillis: 2000,
    });
    await client.connect();
    await client.end();
  });
}

/** A database of its own for one test file, dropped by the returned function. */
export async function createTestDatabase(): Promise<{
  url: string;
  drop(): Promise<void>;
}> {
  const name = `starter_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** The shared NATS server, with JetStream enabled. */
export function natsAvailability() {
  return serviceAvailability('NATS JetStream', async () => {
    const connection = await connect({
      servers: NATS_URL,
      timeout: 2000,
      reconnect: false,
    });
    try {
      await (await jetstreamManager(connection)).getAccountInfo();
    } finally {
      await connection.close();
    }
  });
}
