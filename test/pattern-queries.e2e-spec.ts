import { Injectable, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.factory.js';
import { loadConfig } from '../src/config/config.loader.js';
import { READ_DATA_SOURCE } from '../src/database/read-data-source.js';
import {
  EventBus,
  EventsModule,
  OnDomainEvent,
  type StoredEvent,
} from '../src/events/index.js';
import {
  allEvents,
  expectClientError,
  getJson,
  type CloudEvent,
} from './support/http.js';
import { temporaryDirectory, useTestApp } from './support/test-app.js';

const SCAN_BUDGET = 10_000;
const NOISE = SCAN_BUDGET + 500;
/** Distinct noise types: more than the 512 stored types a pattern page reads one by one. */
const NOISE_TYPES = 700;

/** Patterns one step beyond the limits: 33 segments, and 256 characters in 2 segments. */
const TOO_MANY_SEGMENTS = Array.from({ length: 33 }, () => 'a').join('.');
const TOO_LONG = `${'a'.repeat(200)}.${'b'.repeat(55)}`;
const WIDEST = Array.from({ length: 32 }, () => '**').join('.');
const LONGEST = `${'a'.repeat(200)}.${'b'.repeat(54)}`;

/** What `**.failed` means, written out: two or more segments, the last one `failed`. */
const endsInFailed = (type: string) =>
  type.split('.').length >= 2 && type.endsWith('.failed');

describe('event type patterns', () => {
  const api = useTestApp({
    webhooks: { allowed_hosts: ['127.0.0.1'] },
  });

  describe('size limits: 255 characters, 32 segments', () => {
    it('GET /events takes 32 segments and 255 characters, and refuses 33 segments and 256 characters naming type', async () => {
      for (const type of [WIDEST, LONGEST]) {
        expect((await getJson(api, `/events?type=${type}`)).events).toEqual([]);
      }
      for (const type of [TOO_MANY_SEGMENTS, TOO_LONG]) {
        const response = await api.request({
          method: 'GET',
          url: `/events?type=${type}`,
        });
        expectClientError(response, 400, 'type');
      }
    });

    it('POST /events/replay takes types within the limits and refuses 33 segments or 256 characters naming types, starting nothing', async () => {
      const replay = (types: string[], dryRun: boolean) =>
        api.request({
          method: 'POST',
          url: '/events/replay',
          payload: { subscription: 'audit.log', types, dry_run: dryRun },
        });
      expect((await replay([WIDEST, LONGEST], true)).statusCode).toBe(200);
      for (const pattern of [TOO_MANY_SEGMENTS, TOO_LONG]) {
        for (const dryRun of [true, false]) {
          const response = await replay(['user.*', pattern], dryRun);
          expectClientError(response, 400, 'types');
          expect(response.json().message).toMatch(
            /types must (have at most 32 dot-separated segments|be at most 255 characters)/,
          );
        }
      }
      expect((await getJson(api, '/events/replay')).replays).toEqual([]);
    });

    it('POST /subscriptions refuses a pattern of 33 segments or 256 characters naming pattern, creating nothing', async () => {
      for (const pattern of [TOO_MANY_SEGMENTS, TOO_LONG]) {
        const response = await api.request({
          method: 'POST',
          url: '/subscriptions',
          payload: {
            name: 'too-big',
            pattern,
            url: 'http://127.0.0.1:9/hook',
          },
        });
        expectClientError(response, 400, 'pattern');
      }
      expect((await getJson(api, '/subscriptions')).subscriptions).toEqual([]);
    });

    it('stops the boot when a handler declares a pattern beyond 32 segments', async () => {
      @Injectable()
      class TooWideHandler {
        @OnDomainEvent(TOO_MANY_SEGMENTS, { name: 'too.wide' })
        handle(): void {}
      }
      @Module({ imports: [EventsModule], providers: [TooWideHandler] })
      class TooWideModule {}

      const bootDirectory = temporaryDirectory();
      const app = await createApp(
        loadConfig({
          env: {},
          overrides: {
            database: { path: `${bootDirectory.path}/events.db` },
            log: { level: 'silent', pretty: false },
          },
        }),
        { imports: [TooWideModule] },
      );
      try {
        await expect(app.init()).rejects.toThrow(
          /TooWideHandler\.handle: pattern must have at most 32 dot-separated segments/,
        );
      } finally {
        await app.close().catch(() => undefined);
        bootDirectory.cleanup();
      }
    });
  });

  describe('SQL', () => {
    it.each(['writing', 'reading'])(
      "has no REGEXP function on the app's %s connection",
      async (connection) => {
        const dataSource = api.app.get<DataSource>(
          getDataSourceToken(
            connection === 'reading' ? READ_DATA_SOURCE : undefined,
          ),
        );
        expect(dataSource.options.type).toBe('better-sqlite3');
        await expect(dataSource.query("SELECT 'a' REGEXP 'a'")).rejects.toThrow(
          /no such function: REGEXP/i,
        );
      },
    );
  });

  describe(`a page reads at most ${SCAN_BUDGET} rows`, () => {
    // The noise spreads over more distinct types than a pattern is answered from type by type
    // (type-fan-out.ts reads at most 512), so `**.failed` falls to the bounded scan here.
    /** The whole log, ascending, and the events `**.failed` selects from it. */
    let everything: CloudEvent[];
    let failed: StoredEvent[];

    beforeAll(async () => {
      const bus = api.app.get(EventBus);
      const early = await bus.publish({ type: 'parcel.delivery.failed' });
      for (let published = 0; published < NOISE; published += 1_000) {
        await bus.publish(
          Array.from(
            { length: Math.min(1_000, NOISE - published) },
            (_, index) => ({
              type:
                index % 2 === 0
                  ? `noise.t${Math.floor((published + index) / 2) % NOISE_TYPES}`
                  : 'noise.failed.not',
              data: { index: published + index },
            }),
          ),
        );
      }
      const late = await bus.publish([
        { type: 'a.failed' },
        { type: 'failed' },
        { type: 'noise.tick' },
        { type: 'x.y.z.failed' },
      ]);
      failed = [early, late[0], late[3]];
      everything = await allEvents(api);
    }, 120_000);

    const ids = (events: { id: string }[]) => events.map((event) => event.id);

    it('a pattern without a literal prefix stops at the budget and answers its cursor; following next finds the rest', async () => {
      // More than the budget of non-matching rows lies between the first match and the others.
      const between = everything.filter(
        (event) =>
          event.position > failed[0].position &&
          event.position < failed[1].position,
      );
      expect(between.length).toBeGreaterThan(SCAN_BUDGET);

      const first = await getJson(api, '/events?type=**.failed&limit=10');
      expect(ids(first.events)).toEqual([failed[0].id]);
      expect(first.next).toBe(String(everything[SCAN_BUDGET - 1].position));

      const second = await getJson(
        api,
        `/events?type=**.failed&limit=10&after=${first.next}`,
      );
      expect(ids(second.events)).toEqual([failed[1].id, failed[2].id]);
      expect(second.next).toBeNull();

      // With a literal prefix, SQL skips the noise by index range: one page suffices.
      const prefixed = await getJson(api, '/events?type=x.**&limit=10');
      expect(ids(prefixed.events)).toEqual([failed[2].id]);
      expect(prefixed.next).toBeNull();
    });

    it('answers an empty page with its cursor when the budget finds nothing', async () => {
      const start = everything.findIndex(
        (event) => event.position === failed[0].position,
      );
      const page = await getJson(
        api,
        `/events?type=**.failed&after=${failed[0].position}`,
      );
      expect(page).toEqual({
        events: [],
        next: String(everything[start + SCAN_BUDGET].position),
      });
    });

    it.each(['asc', 'desc'])(
      'following next gives what a brute-force filter of the whole log gives (%s)',
      async (order) => {
        const listed = order === 'asc' ? everything : [...everything].reverse();
        const expected = listed.filter((event) => endsInFailed(event.type));
        expect(ids(expected)).toEqual(
          ids(order === 'asc' ? failed : [...failed].reverse()),
        );
        for (const limit of [1, 2, 1000]) {
          const walked = await allEvents(
            api,
            { type: '**.failed', order },
            limit,
          );
          expect(walked).toEqual(expected);
        }
        // Even pages of 1000 take two requests: the first stops at the budget.
        const first = await getJson(
          api,
          `/events?type=**.failed&order=${order}&limit=1000`,
        );
        expect(first.next).toBe(String(listed[SCAN_BUDGET - 1].position));
      },
    );
  });
});
