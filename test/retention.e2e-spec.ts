import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/index.js';
import { RetentionService } from '../src/events/retention/retention.service.js';
import {
  allEvents,
  getJson,
  published,
  stats,
  type CloudEvent,
} from './support/http.js';
import { Probe, probeModule } from './support/probe.js';
import { eventually, usePerTestApp, type TestApp } from './support/test-app.js';

const LONG_AGO = '2000-01-01T00:00:00.000Z';

describe('retention', () => {
  const probe = new Probe();
  const apps = usePerTestApp();
  let api: TestApp;

  async function boot(retentionDays: number) {
    api = await apps.boot(
      {
        event: {
          store: { retention_days: retentionDays, prune_interval: '1h' },
          handlers: { retry_count: 1 },
        },
      },
      { imports: [probeModule(probe)] },
    );
  }

  afterEach(() => probe.reset());

  /** Sets when events were recorded: all of them, or those with the given ids. */
  async function recordedAt(at: string, ids: string[] = []): Promise<void> {
    const database = api.app.get(DataSource);
    const postgres = database.options.type === 'postgres';
    const placeholder = (n: number) => (postgres ? `$${n}` : '?');
    const where =
      ids.length === 0
        ? ''
        : ` WHERE id IN (${ids.map((_, n) => placeholder(n + 2)).join(', ')})`;
    await database.query(
      `UPDATE events SET recorded_at = ${placeholder(1)}${where}`,
      [at, ...ids],
    );
  }

  /** Every event so far was recorded long ago, as far as retention can tell. */
  const ageEverything = () => recordedAt(LONG_AGO);

  /** Waits until the saved checkpoints are where the test expects them. */
  async function checkpointsSaved(expected: (name: string) => number) {
    const dataSource = api.app.get(DataSource);
    await eventually(
      async () => {
        const rows: { name: string; position: number }[] =
          await dataSource.query(
            'SELECT name, position FROM event_subscriptions',
          );
        return rows.every((row) => Number(row.position) === expected(row.name));
      },
      { what: 'checkpoints to be saved' },
    );
  }

  const ids = (events: CloudEvent[]) => events.map((event) => event.id);

  it('prunes only old events that every subscription has passed, never parked or stream events', async () => {
    await boot(1);
    probe.flaky.behaviour = () => {
      throw new Error('always fails');
    };
    const early = [];
    for (let index = 0; index < 4; index++)
      early.push(
        await published(api, { type: 'probe.steady', id: `early-${index}` }),
      );
    const streamEvent = await published(api, {
      type: 'probe.steady',
      id: 'in-stream',
      aggregate_id: 'probe-aggregate-1',
    });
    const parked = await published(api, { type: 'probe.flaky', id: 'parked' });
    await checkpointsSaved(() => parked.position);
    // probe.steady hangs from here on: its saved checkpoint stays behind the blocker.
    probe.steady.behaviour = (event) =>
      event.id === 'blocker' ? probe.steady.hangForever() : undefined;
    const blocker = await published(api, {
      type: 'probe.steady',
      id: 'blocker',
    });
    const late = [
      await published(api, { type: 'probe.steady', id: 'late-0' }),
      await published(api, { type: 'probe.steady', id: 'late-1' }),
    ];
    const head = late[1].position;
    await checkpointsSaved((name) =>
      name === 'probe.steady' ? blocker.position - 1 : head,
    );
    await ageEverything();
    const fresh = await published(api, { type: 'other.event', id: 'fresh' });
    await checkpointsSaved((name) =>
      name === 'probe.steady' ? blocker.position - 1 : fresh.position,
    );

    const first = await api.app.get(RetentionService).pruneNow();

    expect(first).toMatchObject({
      upToPosition: blocker.position - 1,
      pruned: 4,
    });
    expect(ids(await allEvents(api))).toEqual([
      streamEvent.id,
      parked.id,
      blocker.id,
      ...ids(late),
      fresh.id,
    ]);
    const response = await api.request({
      method: 'GET',
      url: `/events/${early[0].id}`,
    });
    expect(response.statusCode).toBe(404);
    const afterFirst = await stats(api);
    expect(afterFirst).toMatchObject({
      published: 10,
      stored: 6,
      retention: { days: 1, pruned: 4, last_pruned_at: expect.any(String) },
    });

    probe.steady.releaseAll();
    await checkpointsSaved(() => fresh.position);
    const second = await api.app.get(RetentionService).pruneNow();

    expect(second?.pruned).toBe(3);
    expect(ids(await allEvents(api))).toEqual([
      streamEvent.id,
      parked.id,
      fresh.id,
    ]);
    expect((await stats(api)).retention.pruned).toBe(7);
    expect(
      (await getJson(api, '/events/dead-letters')).dead_letters.map(
        (entry: { event_id: string }) => entry.event_id,
      ),
    ).toEqual([parked.id]);
  });

  it('keeps pruned counts across a restart', async () => {
    await boot(1);
    await published(api, { type: 'other.event', id: 'old-0' });
    await published(api, { type: 'other.event', id: 'old-1' });
    await checkpointsSaved(() => 2);
    await ageEverything();
    expect((await api.app.get(RetentionService).pruneNow())?.pruned).toBe(2);

    await api.restart();

    expect(await stats(api)).toMatchObject({
      published: 2,
      stored: 0,
      retention: { pruned: 2 },
    });
  });

  it('prunes past the rows it keeps, batch after batch, up to the first recent event', async () => {
    await boot(1);
    const bus = api.app.get(EventBus);
    // 12,000 events, every fourth in a stream (kept for good): the 9,000 others take two
    // batches, the second starting past the stream rows the first left behind.
    for (let chunk = 0; chunk < 24; chunk++)
      await bus.publish(
        Array.from({ length: 500 }, (_, index) => {
          const n = chunk * 500 + index;
          return n % 4 === 0
            ? { type: 'other.kept', data: { n }, streamId: `kept-${n}` }
            : { type: 'other.old', data: { n } };
        }),
      );
    await ageEverything();
    const fresh = await published(api, { type: 'other.event', id: 'fresh' });
    await checkpointsSaved(() => fresh.position);

    const report = await api.app.get(RetentionService).pruneNow();

    expect(report?.pruned).toBe(9_000);
    const left = await allEvents(api);
    expect(left).toHaveLength(3_001);
    expect(new Set(left.map((event) => event.type))).toEqual(
      new Set(['other.kept', 'other.event']),
    );
  });

  it('never prunes a recent event, even one recorded between older ones (a clock set back)', async () => {
    await boot(1);
    const events: CloudEvent[] = [];
    for (let index = 0; index < 8; index++)
      events.push(
        await published(api, { type: 'other.event', id: `e-${index}` }),
      );
    await checkpointsSaved(() => events[7].position);
    await ageEverything();
    // e-3 and e-7 are recent; the rows between them were recorded "before" e-3.
    const recent = [events[3], events[7]];
    await recordedAt(new Date().toISOString(), ids(recent));

    await api.app.get(RetentionService).pruneNow();

    const left = ids(await allEvents(api));
    expect(left).toEqual(expect.arrayContaining(ids(recent)));
    expect(left).not.toContain(events[0].id);
    expect(left).not.toContain(events[2].id);

    // Once e-3 is old too, everything before e-7 goes.
    await recordedAt(LONG_AGO, [recent[0].id]);
    await api.app.get(RetentionService).pruneNow();
    expect(ids(await allEvents(api))).toEqual([events[7].id]);
  });

  it('keeps everything when retention_days is 0', async () => {
    await boot(0);
    await published(api, { type: 'other.event', id: 'kept' });
    await checkpointsSaved(() => 1);
    await ageEverything();

    expect(await api.app.get(RetentionService).pruneNow()).toBeNull();
    expect(ids(await allEvents(api))).toEqual(['kept']);
  });
});
