import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, PermanentFailure } from '../src/events/index.js';
import {
  LEDGER_TIMEOUT_MS,
  Probe,
  failTimes,
  probeModule,
  readLedger,
} from './support/probe.js';
import {
  eventually,
  usePerTestApp,
  type ConfigOverrides,
  type TestApp,
} from './support/test-app.js';

const BUILT_IN = ['analytics.counts', 'audit.log'];

describe('retries, timeouts and dead letters', () => {
  const probe = new Probe();
  const apps = usePerTestApp();
  let api: TestApp | undefined;

  async function boot(handlers: Record<string, unknown>, bus = {}) {
    const overrides: ConfigOverrides = { event: { handlers, bus } };
    api = await apps.boot(overrides, { imports: [probeModule(probe)] });
    return api;
  }

  afterEach(() => {
    probe.reset();
    api = undefined;
  });

  async function publish(
    id: string,
    type = 'probe.flaky',
    data: unknown = { id },
  ) {
    const response = await (api as TestApp).request({
      method: 'POST',
      url: '/events',
      payload: { id, type, data },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  }

  async function get(url: string, expected = 200) {
    const response = await (api as TestApp).request({ method: 'GET', url });
    expect(response.statusCode, `${url}: ${response.body}`).toBe(expected);
    return response.json();
  }

  async function subscriptionStats(name: string) {
    const stats = await get('/events/stats');
    const found = stats.subscriptions.find((s: any) => s.name === name);
    expect(found, `subscription ${name} in /events/stats`).toBeDefined();
    return found;
  }

  async function statusOf(id: string) {
    const status = await get(`/events/${encodeURIComponent(id)}/status`);
    return Object.fromEntries(
      status.subscriptions.map((s: any) => [s.subscription, s]),
    ) as Record<string, any>;
  }

  async function deadLettersOf(subscription: string) {
    const page = await get(
      `/events/dead-letters?subscription=${encodeURIComponent(subscription)}`,
    );
    return page.dead_letters as any[];
  }

  async function parkedEntry(subscription: string, eventId: string) {
    return eventually(
      async () =>
        (await deadLettersOf(subscription)).find(
          (entry) => entry.event_id === eventId,
        ),
      { timeoutMs: 10_000, what: `${eventId} parked for ${subscription}` },
    );
  }

  it('retries a handler that fails twice with growing delays, then delivers the event', async () => {
    const retryDelay = 60;
    await boot({
      retry_count: 3,
      retry_delay: retryDelay,
      retry_max_delay: 10_000,
    });
    probe.flaky.behaviour = failTimes(2);

    await publish('flaky-twice');
    await eventually(() => probe.flaky.delivered().includes('flaky-twice'), {
      what: 'delivery after two failures',
    });

    const calls = probe.flaky.callsFor('flaky-twice');
    expect(calls.map((call) => [call.attempt, call.outcome])).toEqual([
      [1, 'error'],
      [2, 'error'],
      [3, 'ok'],
    ]);
    // Equal jitter: the n-th retry waits at least half of retry_delay * 2^(n-1).
    const firstGap = calls[1].startedAt - calls[0].startedAt;
    const secondGap = calls[2].startedAt - calls[1].startedAt;
    const tolerance = 2; // timers are scheduled in whole milliseconds
    expect(firstGap).toBeGreaterThanOrEqual(retryDelay / 2 - tolerance);
    expect(secondGap).toBeGreaterThanOrEqual(retryDelay - tolerance);

    const stats = await eventually(async () => {
      const s = await subscriptionStats('probe.flaky');
      return s.lag === 0 && s;
    });
    expect(stats).toMatchObject({
      processed: 1,
      failed: 2,
      dead_lettered: 0,
      parked: 0,
      retrying: null,
    });
    expect(stats.last_error).toContain('flaky #2');
    const status = await statusOf('flaky-twice');
    expect(status['probe.flaky'].status).toBe('delivered');
    expect(await deadLettersOf('probe.flaky')).toEqual([]);
  });

  it('backs off exponentially: the third retry waits at least twice as long as the first can', async () => {
    const retryDelay = 30;
    await boot({
      retry_count: 4,
      retry_delay: retryDelay,
      retry_max_delay: 10_000,
    });
    probe.flaky.behaviour = failTimes(3);

    await publish('flaky-thrice');
    await eventually(() => probe.flaky.delivered().includes('flaky-thrice'), {
      what: 'delivery after three failures',
    });

    const calls = probe.flaky.callsFor('flaky-thrice');
    expect(calls.map((call) => call.attempt)).toEqual([1, 2, 3, 4]);
    const gaps = calls
      .slice(1)
      .map((call, index) => call.startedAt - calls[index].startedAt);
    // Lower bounds 15, 30, 60 ms: the last one exceeds the first retry's longest possible wait.
    gaps.forEach((gap, index) =>
      expect(gap).toBeGreaterThanOrEqual((retryDelay * 2 ** index) / 2 - 2),
    );
    expect(gaps[2]).toBeGreaterThanOrEqual(retryDelay * 2 - 2);
  });

  it('caps the retry delay at retry_max_delay', async () => {
    await boot({ retry_count: 3, retry_delay: 5_000, retry_max_delay: 40 });
    probe.flaky.behaviour = failTimes(2);

    await publish('capped');
    // With an uncapped 5 s first delay this would not finish within the wait.
    await eventually(() => probe.flaky.delivered().includes('capped'), {
      timeoutMs: 2_000,
      what: 'delivery with capped delays',
    });
    expect(probe.flaky.callsFor('capped').map((call) => call.attempt)).toEqual([
      1, 2, 3,
    ]);
  });

  it('parks an always-failing event after retry_count attempts while later events keep flowing', async () => {
    await boot({ retry_count: 3, retry_delay: 10, retry_max_delay: 50 });
    probe.flaky.behaviour = (event, context) => {
      if ((event.data as { poison?: boolean }).poison)
        throw new Error(`poisoned attempt ${context.attempt}`);
    };

    await publish('poison', 'probe.flaky', { poison: true });
    const good = Array.from({ length: 5 }, (_, i) => `good-${i}`);
    for (const id of good) await publish(id);

    await eventually(
      () => good.every((id) => probe.flaky.delivered().includes(id)),
      { what: 'the events after the poison delivered' },
    );
    // Log order: the later events are handled once the poison is settled.
    const flakyOrder = probe.flaky.calls.map(
      (call) => `${call.eventId}#${call.attempt}`,
    );
    expect(flakyOrder).toEqual([
      'poison#1',
      'poison#2',
      'poison#3',
      ...good.map((id) => `${id}#1`),
    ]);

    const entry = await parkedEntry('probe.flaky', 'poison');
    expect(entry).toMatchObject({
      subscription: 'probe.flaky',
      event_id: 'poison',
      event_type: 'probe.flaky',
      attempts: 3,
    });
    expect(entry.first_error).toContain('poisoned attempt 1');
    expect(entry.last_error).toContain('poisoned attempt 3');
    expect(Date.parse(entry.first_failed_at)).toBeLessThanOrEqual(
      Date.parse(entry.last_failed_at),
    );
    expect(await deadLettersOf('probe.steady')).toEqual([]);

    const single = await get(`/events/dead-letters/${entry.id}`);
    expect(single).toMatchObject({ id: entry.id, attempts: 3 });

    const status = await eventually(async () => {
      const s = await statusOf('poison');
      return (
        ['probe.steady', ...BUILT_IN].every(
          (name) => s[name]?.status === 'delivered',
        ) && s
      );
    });
    expect(status['probe.flaky']).toMatchObject({
      status: 'dead_lettered',
      dead_letter_id: entry.id,
      attempts: 3,
    });
    expect(status['probe.flaky'].last_error).toContain('poisoned attempt 3');
    expect((await statusOf('good-4'))['probe.flaky'].status).toBe('delivered');

    const stats = await eventually(async () => {
      const s = await subscriptionStats('probe.flaky');
      return s.lag === 0 && s;
    });
    expect(stats).toMatchObject({
      processed: good.length,
      failed: 3,
      dead_lettered: 1,
      parked: 1,
    });
  });

  it('retries a dead letter on request: delivered once the handler is fixed, then the entry is gone', async () => {
    await boot({ retry_count: 2, retry_delay: 10, retry_max_delay: 50 });
    let broken = true;
    probe.flaky.behaviour = () => {
      if (broken) throw new Error('still broken');
    };

    await publish('parked-then-fixed');
    const entry = await parkedEntry('probe.flaky', 'parked-then-fixed');
    expect(entry.attempts).toBe(2);

    broken = false;
    const retried = await (api as TestApp).request({
      method: 'POST',
      url: `/events/dead-letters/${entry.id}/retry`,
    });
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toMatchObject({
      outcome: 'delivered',
      dead_letter: { id: entry.id, event_id: 'parked-then-fixed' },
    });
    expect(
      probe.flaky
        .callsFor('parked-then-fixed')
        .map((c) => [c.attempt, c.outcome]),
    ).toEqual([
      [1, 'error'],
      [2, 'error'],
      [3, 'ok'],
    ]);

    await get(`/events/dead-letters/${entry.id}`, 404);
    expect(await deadLettersOf('probe.flaky')).toEqual([]);
    expect((await statusOf('parked-then-fixed'))['probe.flaky'].status).toBe(
      'delivered',
    );
    const again = await (api as TestApp).request({
      method: 'POST',
      url: `/events/dead-letters/${entry.id}/retry`,
    });
    expect(again.statusCode).toBe(404);
  });

  it('keeps a dead letter whose retry fails again, counting the attempt, and discards it on DELETE', async () => {
    await boot({ retry_count: 3, retry_delay: 10, retry_max_delay: 50 });
    probe.flaky.behaviour = (_event, context) => {
      throw new Error(`refused attempt ${context.attempt}`);
    };

    await publish('hopeless');
    const entry = await parkedEntry('probe.flaky', 'hopeless');
    expect(entry.attempts).toBe(3);

    const retried = await (api as TestApp).request({
      method: 'POST',
      url: `/events/dead-letters/${entry.id}/retry`,
    });
    expect(retried.statusCode, retried.body).toBe(200);
    const body = retried.json();
    expect(body).toMatchObject({
      outcome: 'failed',
      dead_letter: { id: entry.id, attempts: 4 },
    });
    expect(body.error).toContain('refused attempt 4');
    expect(body.dead_letter.first_error).toContain('refused attempt 1');
    expect(body.dead_letter.last_error).toContain('refused attempt 4');

    const kept = await get(`/events/dead-letters/${entry.id}`);
    expect(kept).toMatchObject({ attempts: 4, event_id: 'hopeless' });
    expect((await deadLettersOf('probe.flaky')).length).toBe(1);
    expect((await statusOf('hopeless'))['probe.flaky']).toMatchObject({
      status: 'dead_lettered',
      attempts: 4,
    });

    const discarded = await (api as TestApp).request({
      method: 'DELETE',
      url: `/events/dead-letters/${entry.id}`,
    });
    expect(discarded.statusCode).toBe(204);
    expect(discarded.body).toBe('');
    await get(`/events/dead-letters/${entry.id}`, 404);
    const twice = await (api as TestApp).request({
      method: 'DELETE',
      url: `/events/dead-letters/${entry.id}`,
    });
    expect(twice.statusCode).toBe(404);
    expect(twice.json()).toMatchObject({ statusCode: 404 });
    expect(await deadLettersOf('probe.flaky')).toEqual([]);
    // Discarding never re-runs the handler.
    expect(probe.flaky.callsFor('hopeless')).toHaveLength(4);
  });

  it('aborts a hung handler at the timeout through its signal, counts it failed and retries it', async () => {
    await boot({
      retry_count: 3,
      retry_delay: 10,
      retry_max_delay: 50,
      timeout: 150,
    });
    probe.flaky.behaviour = (_event, context) =>
      context.attempt === 1
        ? probe.flaky.hangUntilAborted(context.signal)
        : undefined;

    await publish('hangs-once');
    await eventually(() => probe.flaky.delivered().includes('hangs-once'), {
      what: 'delivery after a timed-out attempt',
    });

    const [first, second] = probe.flaky.callsFor('hangs-once');
    expect(first.outcome).toBe('error');
    expect(first.aborted).toBeInstanceOf(Error);
    expect((first.aborted as Error).name).toBe('HandlerTimeoutError');
    expect(first.error?.message).toContain('150ms');
    expect(second).toMatchObject({ attempt: 2, outcome: 'ok' });
    expect(second.aborted).toBeUndefined();

    const stats = await eventually(async () => {
      const s = await subscriptionStats('probe.flaky');
      return s.processed === 1 && s;
    });
    expect(stats.failed).toBe(1);
    expect(stats.last_error).toContain('did not finish within 150ms');
  });

  it('parks a handler that ignores its signal after retry_count timeouts and moves on', async () => {
    await boot({
      retry_count: 2,
      retry_delay: 10,
      retry_max_delay: 50,
      timeout: 100,
    });
    probe.flaky.behaviour = (event) =>
      event.id === 'stuck' ? probe.flaky.hangForever() : undefined;

    await publish('stuck');
    await publish('after-stuck');
    await eventually(() => probe.flaky.delivered().includes('after-stuck'), {
      what: 'the next event delivered',
    });

    const entry = await parkedEntry('probe.flaky', 'stuck');
    expect(entry.attempts).toBe(2);
    expect(entry.last_error).toContain('did not finish within 100ms');
    const calls = probe.flaky.callsFor('stuck');
    expect(calls.map((c) => c.attempt)).toEqual([1, 2]);
    expect(calls.every((c) => c.aborted instanceof Error)).toBe(true);
    expect((await subscriptionStats('probe.flaky')).failed).toBe(2);
  });

  it('parks a PermanentFailure at once, without retries', async () => {
    await boot({ retry_count: 5, retry_delay: 10, retry_max_delay: 50 });
    probe.flaky.behaviour = (event) => {
      if (event.id === 'unprocessable')
        throw new PermanentFailure('cannot process this payload');
    };

    await publish('unprocessable');
    await publish('processable');
    const entry = await parkedEntry('probe.flaky', 'unprocessable');
    expect(entry.attempts).toBe(1);
    expect(entry.first_error).toContain('cannot process this payload');
    expect(entry.last_error).toContain('cannot process this payload');

    await eventually(() => probe.flaky.delivered().includes('processable'), {
      what: 'the next event delivered',
    });
    expect(probe.flaky.callsFor('unprocessable')).toHaveLength(1);
    const stats = await subscriptionStats('probe.flaky');
    expect(stats).toMatchObject({ failed: 1, dead_lettered: 1, parked: 1 });
  });

  it('never lets a retrying subscription block the others, even with a single worker', async () => {
    // Five attempts, at least 3.5 s apart in all: probe.flaky cannot give up on its first event
    // while the others deliver.
    await boot(
      { retry_count: 5, retry_delay: 1_000, retry_max_delay: 2_000 },
      { workers: 1 },
    );
    let broken = true;
    probe.flaky.behaviour = () => {
      if (broken) throw new Error('down for now');
    };

    const ids = Array.from({ length: 10 }, (_, i) => `fan-${i}`);
    for (const id of ids) await publish(id);

    await eventually(
      () => ids.every((id) => probe.steady.delivered().includes(id)),
      { timeoutMs: 5_000, what: 'probe.steady delivering every event' },
    );
    // Meanwhile probe.flaky has not got past its first event.
    const last = await statusOf(ids[ids.length - 1]);
    expect(last['probe.steady'].status).toBe('delivered');
    expect(last['probe.flaky'].status).toBe('pending');
    for (const name of BUILT_IN) {
      await eventually(
        async () => (await statusOf(ids[9]))[name].status === 'delivered',
        { what: `${name} delivering while probe.flaky retries` },
      );
    }
    expect(new Set(probe.flaky.calls.map((c) => c.eventId))).toEqual(
      new Set([ids[0]]),
    );

    broken = false;
    await eventually(
      () => ids.every((id) => probe.flaky.delivered().includes(id)),
      { timeoutMs: 10_000, what: 'probe.flaky catching up once fixed' },
    );
    expect(probe.flaky.delivered()).toEqual(ids);
  });

  it('shows an event between attempts as retrying, with the next attempt and its time', async () => {
    await boot({ retry_count: 2, retry_delay: 1_000, retry_max_delay: 1_000 });
    probe.flaky.behaviour = failTimes(1);

    const before = Date.now();
    await publish('in-between');
    const retrying = await eventually(async () => {
      const s = (await statusOf('in-between'))['probe.flaky'];
      return s.status === 'retrying' && s;
    });
    const failedAt = probe.flaky.callsFor('in-between')[0].wallClock;
    expect(retrying.attempt).toBe(2);
    expect(typeof retrying.next_attempt_at).toBe('string');
    const nextAt = Date.parse(retrying.next_attempt_at);
    expect(nextAt).toBeGreaterThanOrEqual(failedAt + 500 - 2);
    expect(nextAt).toBeGreaterThan(before);

    const stats = await subscriptionStats('probe.flaky');
    expect(stats.retrying).toMatchObject({
      event_id: 'in-between',
      attempt: 2,
      next_attempt_at: retrying.next_attempt_at,
    });
    expect((await get('/events/stats')).retrying).toBe(1);
    const steady = (await statusOf('in-between'))['probe.steady'];
    expect(['pending', 'delivered']).toContain(steady.status);

    await eventually(
      async () =>
        (await statusOf('in-between'))['probe.flaky'].status === 'delivered',
      { timeoutMs: 5_000, what: 'the second attempt delivering the event' },
    );
    expect(
      probe.flaky.callsFor('in-between').map((c) => [c.attempt, c.outcome]),
    ).toEqual([
      [1, 'error'],
      [2, 'ok'],
    ]);
    expect((await subscriptionStats('probe.flaky')).retrying).toBeNull();
  });

  describe('transactional subscriptions', () => {
    const ledgerOf = (eventId: string) =>
      readLedger((api as TestApp).databasePath).filter(
        (row) => row.event_id === eventId,
      );

    it('keeps only the writes of the attempt that succeeded', async () => {
      await boot({ retry_count: 3, retry_delay: 10, retry_max_delay: 50 });
      probe.ledger.behaviour = failTimes(2, 'ledger');

      await publish('ledger-flaky', 'ledger.entry');
      await eventually(
        () => probe.ledger.delivered().includes('ledger-flaky'),
        {
          what: 'the transactional delivery',
        },
      );
      await eventually(() => ledgerOf('ledger-flaky').length > 0, {
        what: 'the ledger row committed',
      });
      expect(ledgerOf('ledger-flaky')).toEqual([
        { event_id: 'ledger-flaky', attempt: 3 },
      ]);
      const stats = await subscriptionStats('probe.ledger');
      expect(stats).toMatchObject({ processed: 1, failed: 2, parked: 0 });
    });

    it('commits the events before a failure in the same slice exactly once', async () => {
      await boot({ retry_count: 3, retry_delay: 10, retry_max_delay: 50 });
      const ids = Array.from({ length: 10 }, (_, i) => `slice-${i}`);
      probe.ledger.behaviour = (event, context) => {
        if (event.id === 'slice-5' && context.attempt === 1)
          throw new Error('slice-5 fails once');
      };

      // One atomic append: the ten events reach the subscription in one batch.
      await (api as TestApp).app
        .get(EventBus)
        .publish(ids.map((id) => ({ id, type: 'ledger.entry', data: { id } })));

      await eventually(
        async () =>
          (await subscriptionStats('probe.ledger')).processed === ids.length,
        { what: 'the whole slice processed' },
      );
      const rows = readLedger((api as TestApp).databasePath);
      expect(rows.map((row) => row.event_id)).toEqual(ids);
      expect(rows.find((row) => row.event_id === 'slice-5')?.attempt).toBe(2);
      expect(await deadLettersOf('probe.ledger')).toEqual([]);
      expect((await subscriptionStats('probe.ledger')).failed).toBe(1);
    });

    it('parks a failing event with none of its writes, and its dead-letter retry commits them once', async () => {
      await boot({ retry_count: 2, retry_delay: 10, retry_max_delay: 50 });
      let broken = true;
      probe.ledger.behaviour = (event) => {
        if (broken && event.id === 'ledger-poison')
          throw new Error('ledger refuses');
      };

      await publish('ledger-poison', 'ledger.entry');
      await publish('ledger-next', 'ledger.entry');
      const entry = await parkedEntry('probe.ledger', 'ledger-poison');
      expect(entry.attempts).toBe(2);
      await eventually(() => ledgerOf('ledger-next').length === 1, {
        what: 'the next event committed',
      });
      expect(ledgerOf('ledger-poison')).toEqual([]);

      broken = false;
      const retried = await (api as TestApp).request({
        method: 'POST',
        url: `/events/dead-letters/${entry.id}/retry`,
      });
      expect(retried.statusCode, retried.body).toBe(200);
      expect(retried.json().outcome).toBe('delivered');
      expect(ledgerOf('ledger-poison')).toEqual([
        { event_id: 'ledger-poison', attempt: 3 },
      ]);
      expect(ledgerOf('ledger-next')).toHaveLength(1);
      await get(`/events/dead-letters/${entry.id}`, 404);
    });

    it('parks a PermanentFailure at once, rolling back its writes', async () => {
      await boot({ retry_count: 5, retry_delay: 10, retry_max_delay: 50 });
      probe.ledger.behaviour = (event) => {
        if (event.id === 'ledger-permanent')
          throw new PermanentFailure('never valid');
      };

      await publish('ledger-permanent', 'ledger.entry');
      await publish('ledger-after', 'ledger.entry');
      const entry = await parkedEntry('probe.ledger', 'ledger-permanent');
      expect(entry.attempts).toBe(1);
      await eventually(() => ledgerOf('ledger-after').length === 1, {
        what: 'the next event committed',
      });
      expect(ledgerOf('ledger-permanent')).toEqual([]);
      expect(probe.ledger.callsFor('ledger-permanent')).toHaveLength(1);
    });

    const sleep = (ms: number) =>
      new Promise<void>((resolve) => setTimeout(resolve, ms));

    it("honours a transactional subscription's own timeout when it is longer than event.handlers.timeout", async () => {
      await boot({ timeout: 200, retry_count: 2, retry_delay: 10 });
      expect(LEDGER_TIMEOUT_MS).toBeGreaterThan(400 * 2);
      probe.ledger.behaviour = () => sleep(400);

      await publish('slow-but-in-time', 'ledger.entry');
      await eventually(
        async () => (await subscriptionStats('probe.ledger')).processed === 1,
        { timeoutMs: 4_000, what: 'the delivery committed' },
      );
      expect(ledgerOf('slow-but-in-time')).toEqual([
        { event_id: 'slow-but-in-time', attempt: 1 },
      ]);
      expect((await subscriptionStats('probe.ledger')).failed).toBe(0);
    });

    it('commits a slice of quick transactional deliveries even when together they outlast the timeout', async () => {
      await boot({ timeout: LEDGER_TIMEOUT_MS, retry_count: 2 });
      const ids = Array.from({ length: 10 }, (_, i) => `quick-${i}`);
      // Each delivery takes a sixth of the timeout; the ten of them take longer than it.
      probe.ledger.behaviour = () => sleep(LEDGER_TIMEOUT_MS / 6);

      await (api as TestApp).app
        .get(EventBus)
        .publish(ids.map((id) => ({ id, type: 'ledger.entry' })));
      await eventually(
        async () =>
          (await subscriptionStats('probe.ledger')).processed === ids.length,
        { timeoutMs: 6_000, what: 'the ten deliveries committed' },
      );
      expect(
        readLedger((api as TestApp).databasePath).map((row) => row.event_id),
      ).toEqual(ids);
    });
  });
});
