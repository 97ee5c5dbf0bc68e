import { Inject, Injectable, Module } from '@nestjs/common';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import {
  EventsModule,
  defineSaga,
  EventBus,
  OnDomainEvent,
  SagaOrchestrator,
  UnitOfWork,
  type HandlerContext,
  type Saga,
  type SagaStateView,
  type StoredEvent,
} from '../src/events/index.js';
import { allEvents } from './support/http.js';
import { eventually, useTestApp } from './support/test-app.js';

/** A saga whose steps fail, hang or fail to compensate on demand, and record what ran. */
interface ProbeData {
  failAt?: string;
  /** The message the failing step throws (default `<step> refused`). */
  failWith?: string;
  hangAt?: string;
  /** Compensations of this step throw this many times before succeeding. */
  flakyCompensation?: { step: string; failures: number };
  /** The durable handler leaves this instance alone (a parked wake-up event, say). */
  undriven?: boolean;
}

const calls = new Map<string, string[]>();
const record = (id: string, call: string) =>
  calls.set(id, [...(calls.get(id) ?? []), call]);

function step(name: string) {
  return {
    name,
    timeout: name === 'c' ? 200 : undefined,
    run: async ({
      sagaId,
      data,
      signal,
    }: {
      sagaId: string;
      data: ProbeData;
      signal: AbortSignal;
    }) => {
      record(sagaId, `run ${name}`);
      if (data.hangAt === name) await new Promise<void>(() => undefined); // never settles, ignores the signal
      if (data.failAt === name)
        throw new Error(data.failWith ?? `${name} refused`);
      signal.throwIfAborted();
      return { did: name };
    },
    compensate: async (
      { sagaId, data }: { sagaId: string; data: ProbeData },
      result: unknown,
    ) => {
      const flaky = data.flakyCompensation;
      const attempts = (calls.get(sagaId) ?? []).filter((call) =>
        call.startsWith(`compensate ${name}`),
      ).length;
      record(sagaId, `compensate ${name} ${JSON.stringify(result ?? null)}`);
      if (flaky?.step === name && attempts < flaky.failures)
        throw new Error(`undo ${name} failed`);
    },
    completed: ({ sagaId }: { sagaId: string }) => ({
      type: `probe_saga.${name}_done`,
      data: { sagaId },
    }),
    compensated: ({ sagaId }: { sagaId: string }) => ({
      type: `probe_saga.${name}_undone`,
      data: { sagaId },
    }),
  };
}

@Injectable()
class ProbeSaga {
  readonly saga: Saga<ProbeData>;

  constructor(@Inject(SagaOrchestrator) orchestrator: SagaOrchestrator) {
    this.saga = orchestrator.register(
      defineSaga<ProbeData>({
        name: 'probe_saga',
        stepTimeout: '5s',
        steps: [step('a'), step('b'), step('c')],
        failed: ({ sagaId }, failure) => ({
          type: 'probe_saga.failed',
          data: { sagaId, ...failure },
        }),
        completed: ({ sagaId }) => ({
          type: 'probe_saga.completed',
          data: { sagaId },
        }),
        cancelled: ({ sagaId }, failure) => ({
          type: 'probe_saga.cancelled',
          data: { sagaId, ...failure },
        }),
      }),
    );
  }

  @OnDomainEvent('probe_saga.*', {
    name: 'probe.saga',
    retryCount: 10,
    retryDelay: '5ms',
    retryMaxDelay: '20ms',
  })
  async handle(event: StoredEvent, context: HandlerContext): Promise<void> {
    const state = await this.saga.get(
      String(event.streamId).slice('probe_saga-'.length),
    );
    if (state?.data.undriven) return;
    await this.saga.handle(event, context);
  }
}

@Module({ imports: [EventsModule.forFeature()], providers: [ProbeSaga] })
class ProbeSagaModule {}

describe('saga API', () => {
  const api = useTestApp({}, { imports: [ProbeSagaModule] });
  let saga: Saga<ProbeData>;

  beforeAll(async () => {
    saga = api.app.get(ProbeSaga).saga;
  });
  beforeEach(() => calls.clear());

  const start = async (data: ProbeData = {}): Promise<string> => {
    const id = uuidv7();
    await api.app.get(UnitOfWork).run(async (tx) => {
      await saga.start(tx, id, data, {
        type: 'probe_saga.started',
        data: { sagaId: id },
      });
    });
    return id;
  };
  const settled = (id: string): Promise<SagaStateView<ProbeData>> =>
    eventually(
      async () => {
        const state = await saga.get(id);
        return state?.status === 'completed' || state?.status === 'cancelled'
          ? state
          : undefined;
      },
      { what: `saga ${id} to end` },
    );
  const streamTypes = async (id: string) =>
    (await allEvents(api, { aggregate_id: `probe_saga-${id}` })).map(
      (event) => event.type,
    );

  it('runs every step in order, committing each step event to the saga stream', async () => {
    const id = await start();
    const state = await settled(id);

    expect(state).toMatchObject({
      status: 'completed',
      currentStep: null,
      failure: null,
      results: { a: { did: 'a' }, b: { did: 'b' }, c: { did: 'c' } },
    });
    expect(
      state.history.map((h) => `${h.action} ${h.step} ${h.status}`),
    ).toEqual(['run a completed', 'run b completed', 'run c completed']);
    expect(calls.get(id)).toEqual(['run a', 'run b', 'run c']);
    expect(await streamTypes(id)).toEqual([
      'probe_saga.started',
      'probe_saga.a_done',
      'probe_saga.b_done',
      'probe_saga.c_done',
      'probe_saga.completed',
    ]);
  });

  it.each([
    ['a', ['compensate a null']],
    ['b', ['compensate b null', 'compensate a {"did":"a"}']],
    [
      'c',
      [
        'compensate c null',
        'compensate b {"did":"b"}',
        'compensate a {"did":"a"}',
      ],
    ],
  ])(
    'compensates in reverse order when step %s fails, the failed step first',
    async (failAt, compensations) => {
      const id = await start({ failAt });
      const state = await settled(id);

      expect(state).toMatchObject({
        status: 'cancelled',
        failure: { step: failAt, reason: `${failAt} refused` },
      });
      const ran = ['a', 'b', 'c'].slice(0, ['a', 'b', 'c'].indexOf(failAt) + 1);
      expect(calls.get(id)).toEqual([
        ...ran.map((name) => `run ${name}`),
        ...compensations,
      ]);
      expect(state.history.at(-1)).toMatchObject({
        step: 'a',
        action: 'compensate',
        status: 'completed',
      });
      const types = await streamTypes(id);
      expect(types.slice(-2 - compensations.length)).toEqual([
        'probe_saga.failed',
        ...compensations.map((c) => `probe_saga.${c.split(' ')[1]}_undone`),
        'probe_saga.cancelled',
      ]);
    },
  );

  it("records a failure reason without the server's file paths", async () => {
    const id = await start({
      failAt: 'b',
      failWith: `ENOENT: no such file or directory, open '/some/abs/path/file.txt' from ${process.cwd()}/src/x.js`,
    });
    const state = await settled(id);

    const reason =
      "ENOENT: no such file or directory, open '<path>' from <path>";
    expect(state.failure).toEqual({ step: 'b', reason });
    expect(state.history.find((h) => h.status === 'failed')?.error).toBe(
      reason,
    );
    const failed = (
      await allEvents(api, { aggregate_id: `probe_saga-${id}` })
    ).find((event) => event.type === 'probe_saga.failed');
    expect(failed?.data).toMatchObject({ step: 'b', reason });
  });

  it('fails a step that exceeds its timeout and compensates', async () => {
    const id = await start({ hangAt: 'c' });
    const state = await settled(id);

    expect(state.status).toBe('cancelled');
    expect(state.failure?.step).toBe('c');
    expect(state.failure?.reason).toMatch(/step c did not finish within 200ms/);
    expect(state.history.find((h) => h.status === 'failed')).toMatchObject({
      step: 'c',
      action: 'run',
      error: expect.stringMatching(/did not finish/),
    });
    expect(calls.get(id)?.slice(-3)).toEqual([
      'compensate c null',
      'compensate b {"did":"b"}',
      'compensate a {"did":"a"}',
    ]);
  });

  it('retries a failing compensation until it succeeds, and never runs a step again once compensating', async () => {
    const id = await start({
      failAt: 'c',
      flakyCompensation: { step: 'b', failures: 2 },
    });
    const state = await settled(id);

    expect(state.status).toBe('cancelled');
    expect(calls.get(id)).toEqual([
      'run a',
      'run b',
      'run c',
      'compensate c null',
      'compensate b {"did":"b"}',
      'compensate b {"did":"b"}',
      'compensate b {"did":"b"}',
      'compensate a {"did":"a"}',
    ]);
    // Only the successful compensation is in the history.
    expect(
      state.history.filter((h) => h.action === 'compensate').map((h) => h.step),
    ).toEqual(['c', 'b', 'a']);
  });

  it('skips re-delivered events: a saga acts only on the newest event of its stream', async () => {
    const id = await start();
    await settled(id);
    const [started] = await allEvents(api, {
      aggregate_id: `probe_saga-${id}`,
    });
    const stored = {
      ...started,
      streamId: `probe_saga-${id}`,
      streamVersion: 1,
    };
    await saga.handle(stored as unknown as StoredEvent, {
      subscription: 'test',
      attempt: 1,
      replay: false,
      signal: new AbortController().signal,
    });
    expect(calls.get(id)).toEqual(['run a', 'run b', 'run c']);
  });

  it('lets the sweep finish a saga nobody drives any more', async () => {
    const id = await start({ undriven: true });
    const orchestrator = api.app.get(SagaOrchestrator);
    // Not due yet: the sweep leaves sagas within their step timeout + stall timeout alone.
    await orchestrator.sweep();
    expect((await saga.get(id))?.status).toBe('running');

    const taken = await orchestrator.sweep(Date.now() + 10 * 60_000);
    expect(taken).toBeGreaterThanOrEqual(1);
    const state = await saga.get(id);
    expect(state?.status).toBe('completed');
    expect(calls.get(id)).toEqual(['run a', 'run b', 'run c']);
    // The sweep's events join the saga's correlation chain.
    const events = await allEvents(api, { aggregate_id: `probe_saga-${id}` });
    expect(new Set(events.map((e) => e.correlationid)).size).toBe(1);
  });

  it('is not wedged by an event other code appends to its stream', async () => {
    const id = await start({ undriven: true });
    // POST /events may not write to a saga's stream; in-process publishers can.
    await api.app
      .get(EventBus)
      .publish({ type: 'probe_saga.noise', streamId: `probe_saga-${id}` });

    await api.app.get(SagaOrchestrator).sweep(Date.now() + 10 * 60_000);
    expect((await saga.get(id))?.status).toBe('completed');
    expect(calls.get(id)).toEqual(['run a', 'run b', 'run c']);
  });

  it('refuses an invalid definition at registration', () => {
    const orchestrator = api.app.get(SagaOrchestrator);
    expect(() =>
      orchestrator.register({ name: 'Bad Name', steps: [step('a')] }),
    ).toThrow(/lower-case/);
    expect(() =>
      orchestrator.register({ name: 'twice', steps: [step('a'), step('a')] }),
    ).toThrow(/same name/);
    expect(() => orchestrator.register({ name: 'empty', steps: [] })).toThrow(
      /no steps/,
    );
    expect(() =>
      orchestrator.register({ name: 'probe_saga', steps: [step('a')] }),
    ).toThrow(/registered twice/);
  });
});
