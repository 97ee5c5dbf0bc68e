import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
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

  /** Every event so far was recorded long ago, as far as retention can tell. */
  async function ageEverything(): Promise<void> {
    await api.app
      .get(DataSource)
      .query('UPDATE events SET recorded_at = ?', [LONG_AGO]);
  }

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

  it('keeps everything when retention_days is 0', async () => {
    await boot(0);
    await published(api, { type: 'other.event', id: 'kept' });
    await checkpointsSaved(() => 1);
    await ageEverything();

    expect(await api.app.get(RetentionService).pruneNow()).toBeNull();
    expect(ids(await allEvents(api))).toEqual(['kept']);
  });
});
