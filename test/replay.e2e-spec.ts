import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/index.js';
import { ReplayService } from '../src/events/replay/replay.service.js';
import {
  allEvents,
  expectClientError,
  getJson,
  published,
  registerUser,
  waitForDelivery,
} from './support/http.js';
import { Probe, probeModule } from './support/probe.js';
import { eventually, usePerTestApp, type TestApp } from './support/test-app.js';

interface ReplayBody {
  id: string;
  subscription: string;
  mode: 'range' | 'reset';
  state: 'running' | 'completed' | 'failed' | 'cancelled';
  reason: string | null;
  progress: {
    done: number;
    total: number;
    failed: number;
    events_per_second: number;
  };
  errors: { position: number; event_id: string; error: string }[];
}

describe('replay', () => {
  const probe = new Probe();
  const apps = usePerTestApp();
  let api: TestApp;

  async function boot() {
    api = await apps.boot(
      { event: { handlers: { retry_count: 3, retry_delay: '5ms' } } },
      { imports: [probeModule(probe)] },
    );
    return api;
  }

  afterEach(() => probe.reset());

  /** Records the events a channel received through replays (context.replay), in order. */
  function recordReplays(channel: Probe['steady']): string[] {
    const replayed: string[] = [];
    channel.behaviour = (event, context) => {
      if (context.replay) replayed.push(event.id);
    };
    return replayed;
  }

  async function publishProbes(count: number, type = 'probe.steady') {
    const events = [];
    for (let index = 0; index < count; index++)
      events.push(
        await published(api, { type, id: `${type}-${index}`, data: { index } }),
      );
    return events;
  }

  function startReplay(payload: unknown) {
    return api.request({ method: 'POST', url: '/events/replay', payload });
  }

  async function replayToEnd(payload: unknown): Promise<ReplayBody> {
    const started = await startReplay(payload);
    expect(started.statusCode, started.body).toBe(202);
    const { id } = started.json<ReplayBody>();
    expect(started.headers.location).toBe(`/events/replay/${id}`);
    return eventually(
      async () => {
        const job = await getJson<ReplayBody>(api, `/events/replay/${id}`);
        return job.state === 'running' ? undefined : job;
      },
      { what: `replay ${id} to finish` },
    );
  }

  it('re-delivers a position range to that one subscription, in order', async () => {
    await boot();
    const events = await publishProbes(8);
    await waitForDelivery(api);
    const steadyReplays = recordReplays(probe.steady);
    const flakyCallsBefore = probe.flaky.calls.length;

    const job = await replayToEnd({
      subscription: 'probe.steady',
      from_position: events[2].position,
      to_position: events[5].position,
    });

    expect(job).toMatchObject({
      subscription: 'probe.steady',
      mode: 'range',
      state: 'completed',
      progress: { done: 4, total: 4, failed: 0 },
    });
    expect(steadyReplays).toEqual(events.slice(2, 6).map((e) => e.id));
    expect(probe.flaky.calls.length).toBe(flakyCallsBefore);
    // The live checkpoint is untouched: no live re-delivery afterwards.
    const live = probe.steady.calls.filter((call) => call.outcome === 'ok');
    expect(live.length).toBe(8 + 4);
  });

  it('narrows a replay by type, by stream and by event time', async () => {
    await boot();
    const steady = await publishProbes(3, 'probe.steady');
    const flaky = await publishProbes(2, 'probe.flaky');
    const inStream = await published(api, {
      type: 'probe.steady',
      aggregate_id: 'probe-stream-1',
      time: '2020-01-01T00:00:00Z',
    });
    await waitForDelivery(api);
    const replayed = recordReplays(probe.steady);

    await replayToEnd({ subscription: 'probe.steady', types: ['probe.flaky'] });
    expect(replayed.splice(0)).toEqual(flaky.map((e) => e.id));

    await replayToEnd({
      subscription: 'probe.steady',
      aggregate_id: 'probe-stream-1',
    });
    expect(replayed.splice(0)).toEqual([inStream.id]);

    await replayToEnd({
      subscription: 'probe.steady',
      until: '2021-01-01T00:00:00Z',
    });
    expect(replayed.splice(0)).toEqual([inStream.id]);

    await replayToEnd({
      subscription: 'probe.steady',
      since: '2021-01-01T00:00:00Z',
      types: ['probe.*'],
    });
    expect(replayed.splice(0)).toEqual([...steady, ...flaky].map((e) => e.id));
  });

  it('reports a dry run without running any handler', async () => {
    await boot();
    await publishProbes(3, 'probe.steady');
    await publishProbes(2, 'probe.flaky');
    await waitForDelivery(api);
    const callsBefore = probe.steady.calls.length;

    const response = await startReplay({
      subscription: 'probe.steady',
      dry_run: true,
    });

    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      dry_run: true,
      subscription: 'probe.steady',
      mode: 'range',
      total: 5,
      types: { 'probe.steady': 3, 'probe.flaky': 2 },
    });
    expect(probe.steady.calls.length).toBe(callsBefore);
    expect(
      (await getJson<{ replays: unknown[] }>(api, '/events/replay')).replays,
    ).toEqual([]);
  });

  it('rebuilds the analytics projection from zero, equal to the live one', async () => {
    await boot();
    for (let index = 0; index < 5; index++)
      await registerUser(api, `reset-${index}@example.com`);
    await publishProbes(4, 'probe.steady');
    await published(api, {
      type: 'order.shipped',
      time: '2024-02-29T10:00:00Z',
    });
    await waitForDelivery(api);
    const live = await getJson(api, '/analytics');

    const job = await replayToEnd({
      subscription: 'analytics.counts',
      reset: true,
    });

    expect(job).toMatchObject({ mode: 'reset', state: 'completed' });
    expect(job.progress.done).toBe(job.progress.total);
    expect(job.progress.total).toBe((await allEvents(api)).length);
    expect(await getJson(api, '/analytics')).toEqual(live);
  });

  it('keeps live events flowing, in order and once, while a replay runs', async () => {
    await boot();
    const bus = api.app.get(EventBus);
    // Three batches of event.bus.max_batch at most.
    for (let first = 0; first < 1_500; first += 500) {
      await bus.publish(
        Array.from({ length: 500 }, (_, offset) => ({
          type: 'probe.steady',
          data: { index: first + offset },
        })),
      );
    }
    await waitForDelivery(api);
    probe.steady.calls.length = 0;
    const liveOrder: number[] = [];
    const replayOrder: number[] = [];
    probe.steady.behaviour = (event, context) => {
      (context.replay ? replayOrder : liveOrder).push(event.position);
    };

    const rebuild = await startReplay({
      subscription: 'analytics.counts',
      reset: true,
    });
    expect(rebuild.statusCode, rebuild.body).toBe(202);
    const replay = await startReplay({ subscription: 'probe.steady' });
    expect(replay.statusCode, replay.body).toBe(202);
    const liveEvents = [];
    for (let index = 0; index < 30; index++)
      liveEvents.push(
        await published(api, { type: 'probe.steady', data: { live: index } }),
      );

    await eventually(
      async () => {
        const jobs = await getJson<{ replays: ReplayBody[] }>(
          api,
          '/events/replay',
        );
        return jobs.replays.every((job) => job.state === 'completed');
      },
      { what: 'both replays to complete' },
    );
    await waitForDelivery(api);

    expect(liveOrder).toEqual(liveEvents.map((event) => event.position));
    expect(replayOrder).toHaveLength(1_500);
    expect(replayOrder).toEqual([...replayOrder].sort((a, b) => a - b));
    const analytics = await getJson<{ total: number }>(api, '/analytics');
    expect(analytics.total).toBe((await allEvents(api)).length);
  });

  it('retries a failing replay delivery with the subscription policy and reports it', async () => {
    await boot();
    const [first, poisoned, last] = await publishProbes(3);
    await waitForDelivery(api);
    const replayed = recordReplays(probe.steady);
    const record = probe.steady.behaviour;
    probe.steady.behaviour = (event, context) => {
      if (context.replay && event.id === poisoned.id)
        throw new Error('still broken');
      return record(event, context);
    };

    const job = await replayToEnd({ subscription: 'probe.steady' });

    expect(job.state).toBe('completed');
    expect(job.progress).toMatchObject({ done: 2, total: 3, failed: 1 });
    expect(job.errors).toEqual([
      expect.objectContaining({
        event_id: poisoned.id,
        attempts: 3,
        error: 'Error: still broken',
      }),
    ]);
    expect(replayed).toEqual([first.id, last.id]);
    expect(
      probe.steady.callsFor(poisoned.id).filter((call) => call.attempt > 1),
    ).toHaveLength(2);
  });

  it('cancels a running range replay', async () => {
    await boot();
    await publishProbes(5);
    await waitForDelivery(api);
    probe.steady.behaviour = (_event, context) =>
      context.replay ? probe.steady.hangForever() : undefined;

    const started = await startReplay({ subscription: 'probe.steady' });
    const { id } = started.json<ReplayBody>();
    await eventually(() =>
      probe.steady.calls.some((c) => c.outcome === 'running'),
    );
    const cancelled = await api.request({
      method: 'DELETE',
      url: `/events/replay/${id}`,
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    probe.steady.releaseAll();

    const job = await eventually(async () => {
      const body = await getJson<ReplayBody>(api, `/events/replay/${id}`);
      return body.state === 'running' ? undefined : body;
    });
    expect(job.state).toBe('cancelled');
    expect(job.progress.done).toBeLessThan(5);
  });

  it('is callable from code through ReplayService', async () => {
    await boot();
    const events = await publishProbes(3);
    await waitForDelivery(api);
    const replayed = recordReplays(probe.steady);

    const job = await api.app.get(ReplayService).start({
      subscription: 'probe.steady',
      fromPosition: events[1].position,
    });
    const finished = await job.whenFinished();

    expect(finished.state).toBe('completed');
    expect(replayed).toEqual(events.slice(1).map((e) => e.id));
  });

  describe('refusals', () => {
    it('refuses a subscription that is not replayable with 409 and a reason', async () => {
      await boot();
      await registerUser(api, 'once@example.com');
      await waitForDelivery(api);

      const response = await startReplay({
        subscription: 'notifications.welcome',
      });

      const body = expectClientError(response, 409);
      expect(body.reason).toBe('not_replayable');
      expect(body.message).toContain('replayable: false');
      const notifications = await getJson<{ total: number }>(
        api,
        '/notifications',
      );
      expect(notifications.total).toBe(1);
    });

    it('refuses a reset of a subscription without an @OnReset hook', async () => {
      await boot();
      const body = expectClientError(
        await startReplay({ subscription: 'probe.steady', reset: true }),
        409,
      );
      expect(body.reason).toBe('no_reset_hook');
    });

    it('refuses a second replay of the same subscription while one runs', async () => {
      await boot();
      await publishProbes(2);
      await waitForDelivery(api);
      probe.steady.behaviour = (_event, context) =>
        context.replay ? probe.steady.hangForever() : undefined;
      const first = await startReplay({ subscription: 'probe.steady' });
      expect(first.statusCode).toBe(202);

      const body = expectClientError(
        await startReplay({ subscription: 'probe.steady' }),
        409,
      );
      expect(body.replay_id).toBe(first.json().id);
      probe.steady.releaseAll();
    });

    it('answers 404 for an unknown subscription or replay', async () => {
      await boot();
      expectClientError(
        await startReplay({ subscription: 'no.such.thing' }),
        404,
        'no.such.thing',
      );
      expectClientError(
        await api.request({ method: 'GET', url: '/events/replay/nope' }),
        404,
      );
    });

    it.each([
      [{ subscription: 'probe.steady', from_position: 0 }, 'from_position'],
      [{ subscription: 'probe.steady', to_position: 'x' }, 'to_position'],
      [{ subscription: 'probe.steady', since: 'yesterday' }, 'since'],
      [
        {
          subscription: 'probe.steady',
          since: '2024-01-01T00:00:00Z',
          from_position: 1,
        },
        'since',
      ],
      [
        { subscription: 'probe.steady', from_position: 5, to_position: 2 },
        'to_position',
      ],
      [{ subscription: 'probe.steady', types: ['Bad Type'] }, 'types'],
      [
        { subscription: 'analytics.counts', reset: true, types: ['user.*'] },
        'types',
      ],
      [{ subscription: 'probe.steady', reset: 'yes' }, 'reset'],
      [{ subscription: 'probe.steady', surprise: 1 }, 'surprise'],
      [{}, 'subscription'],
    ])('refuses %j with 400 naming %s', async (payload, field) => {
      await boot();
      expectClientError(await startReplay(payload), 400, field);
      expect(
        (await getJson<{ replays: unknown[] }>(api, '/events/replay')).replays,
      ).toEqual([]);
    });
  });
});
