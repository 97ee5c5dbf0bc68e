import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getJson, published, type CloudEvent } from './support/http.js';
import { Probe, probeModule, type ProbeBehaviour } from './support/probe.js';
import { eventually, useTestApp } from './support/test-app.js';

// A file that does not exist: reading it fails with an ENOENT naming its absolute path.
const MISSING_FILE = '/some/abs/path/file.txt';
// A file inside the project, whose absolute path tells where the server runs.
const PROJECT_FILE = join(process.cwd(), 'src', 'plugins', 'missing.js');

const FIRST_ERROR = "Error: ENOENT: no such file or directory, open '<path>'";
const LATER_ERROR = 'TypeError: cannot load <path>';

/** The first attempt fails like the filesystem does, every later one with a TypeError. */
const failLikeTheServer: ProbeBehaviour = (_event, context) => {
  if (context.attempt === 1) readFileSync(MISSING_FILE);
  throw new TypeError(`cannot load ${PROJECT_FILE}`);
};

/** Nothing of the server's inside: no stack frame, no absolute path. */
function expectNoServerDetails(text: string): void {
  expect(text).not.toContain('/some/abs/path');
  expect(text).not.toContain(process.cwd());
  expect(text).not.toContain('    at ');
  expect(text).not.toMatch(/\\n\s+at /);
}

describe('error texts clients see', () => {
  const probe = new Probe();
  const warnings = vi.spyOn(Logger.prototype, 'warn');
  const api = useTestApp(
    {
      event: {
        handlers: { retry_count: 2, retry_delay: 1, retry_max_delay: 5 },
      },
    },
    { imports: [probeModule(probe)] },
  );
  let event: CloudEvent;

  beforeAll(async () => {
    probe.flaky.behaviour = failLikeTheServer;
    event = await published(api, { type: 'probe.flaky' });
    await eventually(
      async () => ((await deadLetters()).length === 1 ? true : undefined),
      { what: 'the event to be parked' },
    );
  });
  afterAll(async () => {
    warnings.mockRestore();
    probe.reset();
  });

  async function request(method: 'GET' | 'POST', url: string) {
    const response = await api.request({ method, url });
    expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
    expectNoServerDetails(response.body);
    return response.json();
  }

  async function deadLetters(): Promise<any[]> {
    return (await getJson(api, '/events/dead-letters?subscription=probe.flaky'))
      .dead_letters;
  }

  it('lists a dead letter with the class and message of its first and last error', async () => {
    const page = await request(
      'GET',
      '/events/dead-letters?subscription=probe.flaky',
    );
    expect(page.dead_letters).toHaveLength(1);
    expect(page.dead_letters[0]).toMatchObject({
      event_id: event.id,
      first_error: FIRST_ERROR,
      last_error: LATER_ERROR,
    });
    const entry = await request(
      'GET',
      `/events/dead-letters/${page.dead_letters[0].id}`,
    );
    expect(entry).toMatchObject({
      first_error: FIRST_ERROR,
      last_error: LATER_ERROR,
    });
  });

  it('shows the subscription status with the last error, without paths', async () => {
    const stats = await request('GET', '/events/stats');
    expect(
      stats.subscriptions.find((s: any) => s.name === 'probe.flaky'),
    ).toMatchObject({ last_error: LATER_ERROR });

    const status = await request(
      'GET',
      `/events/${encodeURIComponent(event.id)}/status`,
    );
    expect(
      status.subscriptions.find((s: any) => s.subscription === 'probe.flaky'),
    ).toMatchObject({ status: 'dead_lettered', last_error: LATER_ERROR });
  });

  it('answers a failed dead-letter retry with the class and message only', async () => {
    const [entry] = await deadLetters();
    const retried = await request(
      'POST',
      `/events/dead-letters/${entry.id}/retry`,
    );
    expect(retried).toMatchObject({
      outcome: 'failed',
      error: LATER_ERROR,
      dead_letter: { first_error: FIRST_ERROR, last_error: LATER_ERROR },
    });
  });

  it('reports a replay failure with the class and message only', async () => {
    const started = await api.request({
      method: 'POST',
      url: '/events/replay',
      payload: {
        subscription: 'probe.flaky',
        from_position: event.position,
        to_position: event.position,
      },
    });
    expect(started.statusCode, started.body).toBe(202);
    const job = await eventually(
      async () => {
        const body = await request(
          'GET',
          `/events/replay/${started.json().id}`,
        );
        return body.state === 'running' ? undefined : body;
      },
      { what: 'the replay to finish' },
    );
    expect(job.errors).toEqual([
      expect.objectContaining({ event_id: event.id, error: LATER_ERROR }),
    ]);
  });

  it('keeps the stack and the paths in the log', () => {
    const logged = warnings.mock.calls
      .map(([fields]) => (fields as { err?: Error } | undefined)?.err)
      .filter((error): error is Error => error instanceof Error);
    const enoent = logged.find((error) => error.message.includes('ENOENT'));
    expect(enoent?.stack).toContain(MISSING_FILE);
    expect(enoent?.stack).toContain('    at ');
  });
});
