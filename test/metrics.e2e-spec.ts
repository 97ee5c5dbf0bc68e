import { beforeAll, describe, expect, it } from 'vitest';
import { failTimes, Probe, probeModule } from './support/probe.js';
import { sample, scrape as scrapeApp } from './support/metrics.js';
import { eventually, useTestApp } from './support/test-app.js';

describe('GET /metrics', () => {
  const probe = new Probe();
  const api = useTestApp(
    {
      metrics: { max_types: 3 },
      event: {
        handlers: {
          retry_count: 2,
          retry_delay: '1ms',
          retry_max_delay: '1ms',
        },
      },
    },
    { imports: [probeModule(probe)] },
  );

  async function publish(type: string) {
    const response = await api.request({
      method: 'POST',
      url: '/events',
      payload: { type, data: {} },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ id: string }>();
  }

  const scrape = () => scrapeApp(api);

  let text: string;
  let failing: { id: string };

  beforeAll(async () => {
    probe.flaky.behaviour = failTimes(Number.MAX_SAFE_INTEGER);
    failing = await publish('probe.flaky');
    // probe.flaky, metrics.a and metrics.b take the three labels; later types count as other.
    await publish('metrics.a');
    await publish('metrics.b');
    await publish('metrics.c');
    await publish('metrics.d');
    const register = await api.request({
      method: 'POST',
      url: '/users',
      payload: { email: 'metrics@example.com', name: 'Metrics' },
    });
    expect(register.statusCode).toBe(201);
    await api.request({ method: 'GET', url: `/events/${failing.id}` });
    text = await eventually(
      async () => {
        const scraped = await scrape();
        return (sample(
          scraped,
          'events_dead_lettered_total{subscription="probe.flaky",type="probe.flaky"}',
        ) ?? 0) >= 1 &&
          (sample(
            scraped,
            'events_handler_duration_seconds_count{subscription="notifications.welcome",outcome="ok"}',
          ) ?? 0) >= 1
          ? scraped
          : undefined;
      },
      { what: 'the dead letter and the welcome delivery in /metrics' },
    );
  });

  it('has the default process metrics', () => {
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
  });

  it('counts published events per type, declared types plus max_types others, the rest as other', () => {
    expect(sample(text, 'events_published_total{type="probe.flaky"}')).toBe(1);
    expect(sample(text, 'events_published_total{type="metrics.a"}')).toBe(1);
    expect(sample(text, 'events_published_total{type="metrics.b"}')).toBe(1);
    expect(
      sample(text, 'events_published_total{type="metrics.c"}'),
    ).toBeUndefined();
    expect(sample(text, 'events_published_total{type="other"}')).toBe(2);
    // Declared with @DomainEvent: its own label although the others are used up.
    expect(sample(text, 'events_published_total{type="user.registered"}')).toBe(
      1,
    );
    expect(
      sample(text, 'events_commit_group_size_count'),
    ).toBeGreaterThanOrEqual(6);
  });

  it('times handler calls per subscription and outcome, and counts retries and dead letters', () => {
    expect(
      sample(
        text,
        'events_handler_duration_seconds_count{subscription="probe.flaky",outcome="failed"}',
      ),
    ).toBe(2);
    expect(
      sample(
        text,
        'events_handled_total{subscription="notifications.welcome",type="user.registered",outcome="ok"}',
      ),
    ).toBe(1);
    expect(
      sample(text, 'events_handler_retries_total{subscription="probe.flaky"}'),
    ).toBe(1);
    expect(
      sample(
        text,
        'events_dead_lettered_total{subscription="probe.flaky",type="probe.flaky"}',
      ),
    ).toBe(1);
  });

  it('reports subscription lag and the write buffer', () => {
    expect(
      sample(
        text,
        'events_subscription_lag{subscription="notifications.welcome"}',
      ),
    ).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'events_write_buffer_capacity')).toBe(1000);
    expect(sample(text, 'events_write_buffer_pending')).toBeGreaterThanOrEqual(
      0,
    );
  });

  it('times HTTP requests under the route template and status, never the requested path', () => {
    expect(
      sample(
        text,
        'http_request_duration_seconds_count{method="POST",route="/events",status="201"}',
      ),
    ).toBe(5);
    expect(
      sample(
        text,
        'http_request_duration_seconds_count{method="GET",route="/events/:id",status="200"}',
      ),
    ).toBe(1);
    expect(text).not.toContain(failing.id);
  });
});
