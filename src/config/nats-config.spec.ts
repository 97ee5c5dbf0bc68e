import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.loader.js';

describe('nats configuration', () => {
  let directory: string;
  let emptyFile: string;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'nats-config-spec-'));
    emptyFile = join(directory, 'empty.yaml');
    writeFileSync(emptyFile, '');
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const load = (env: Record<string, string>) =>
    loadConfig({ env: { CONFIG_FILE: emptyFile, ...env } });

  it('is off by default, pointing at the local server', () => {
    const { nats } = load({});
    expect(nats).toMatchObject({
      url: 'nats://127.0.0.1:4222',
      relay: {
        enabled: false,
        stream: 'EVENTS',
        subject_prefix: 'events',
        types: ['**'],
      },
      consumer: {
        enabled: false,
        stream: 'INBOUND',
        durable: 'nest-event-starter',
        subjects: [],
        sources: [],
      },
    });
  });

  it('takes every key from the environment', () => {
    const { nats } = load({
      NATS__URL: 'nats://10.0.0.1:4222,nats://10.0.0.2:4222',
      NATS__RELAY__ENABLED: 'true',
      NATS__RELAY__TYPES: 'order.*,user.**',
      NATS__CONSUMER__ENABLED: '1',
      NATS__CONSUMER__SUBJECTS: 'shipping.>,billing.*.done',
    });
    expect(nats.url).toBe('nats://10.0.0.1:4222,nats://10.0.0.2:4222');
    expect(nats.relay.enabled).toBe(true);
    expect(nats.relay.types).toEqual(['order.*', 'user.**']);
    expect(nats.consumer.enabled).toBe(true);
    expect(nats.consumer.subjects).toEqual(['shipping.>', 'billing.*.done']);
  });

  it.each([
    [{ NATS__URL: 'http://127.0.0.1:4222' }, 'nats.url'],
    [{ NATS__RELAY__ENABLED: 'perhaps' }, 'nats.relay.enabled'],
    [{ NATS__RELAY__STREAM: 'my.stream' }, 'nats.relay.stream'],
    [{ NATS__RELAY__SUBJECT_PREFIX: 'events.>' }, 'nats.relay.subject_prefix'],
    [{ NATS__RELAY__TYPES: 'Order Created' }, 'nats.relay.types'],
    [{ NATS__CONSUMER__DURABLE: 'a b' }, 'nats.consumer.durable'],
    [{ NATS__CONSUMER__SUBJECTS: 'a b' }, 'nats.consumer.subjects'],
  ])('refuses %j naming %s', (env, key) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(key);
  });
});
