import { DataSource } from 'typeorm';
import { expect } from 'vitest';
import { eventually, type TestApp, type TestResponse } from './test-app.js';

/** An event as the HTTP API renders it (CloudEvents 1.0 JSON plus the store's extensions). */
export interface CloudEvent {
  specversion: string;
  id: string;
  source: string;
  type: string;
  time: string;
  datacontenttype: string;
  subject?: string;
  data?: any;
  position: number;
  streamid?: string;
  streamversion?: number;
  correlationid: string;
  causationid?: string;
  recordedat: string;
}

export interface UserBody {
  id: string;
  email: string;
  name: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export function publish(
  api: TestApp,
  payload: unknown,
  headers?: Record<string, string>,
): Promise<TestResponse> {
  return api.request({ method: 'POST', url: '/events', payload, headers });
}

/** Publishes and insists on 201; returns the stored event. */
export async function published(
  api: TestApp,
  payload: unknown,
  headers?: Record<string, string>,
): Promise<CloudEvent> {
  const response = await publish(api, payload, headers);
  expect(response.statusCode, response.body).toBe(201);
  return response.json<CloudEvent>();
}

export async function registerUser(
  api: TestApp,
  email: string,
  name = 'Test User',
  headers?: Record<string, string>,
): Promise<UserBody> {
  const response = await api.request({
    method: 'POST',
    url: '/users',
    payload: { email, name },
    headers,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<UserBody>();
}

export async function getJson<T = any>(api: TestApp, url: string): Promise<T> {
  const response = await api.request({ method: 'GET', url });
  expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
  return response.json<T>();
}

/**
 * On PostgreSQL, GET /events lists an event once no transaction that was running anywhere in
 * the cluster when it committed is still running (docs/postgresql.md, "What is not"): other
 * test files' transactions, in databases of their own, hold it back for a moment under load.
 * Waits until every event committed so far is listable, so that a test reads its own writes.
 */
export async function listable(api: TestApp): Promise<void> {
  const database = api.app.get(DataSource);
  if (database.options.type !== 'postgres') return;
  await eventually(
    async () => {
      const [{ waiting }] = await database.query<{ waiting: boolean }[]>(
        'SELECT EXISTS (SELECT 1 FROM events WHERE txid >= pg_snapshot_xmin(pg_current_snapshot())) AS waiting',
      );
      return !waiting;
    },
    { what: 'every committed event to be listable' },
  );
}

/**
 * Reads every page of GET /events for `query` (without `after`/`limit`), following `next`,
 * and returns the events in the order the pages delivered them: every event committed before
 * the call (see listable).
 */
export async function allEvents(
  api: TestApp,
  query: Record<string, string> = {},
  pageSize = 1000,
): Promise<CloudEvent[]> {
  await listable(api);
  const events: CloudEvent[] = [];
  let after: number | null | undefined;
  for (let page = 0; page < 1000; page++) {
    const params = new URLSearchParams({ ...query, limit: String(pageSize) });
    if (after !== undefined && after !== null)
      params.set('after', String(after));
    const body = await getJson<{ events: CloudEvent[]; next: number | null }>(
      api,
      `/events?${params}`,
    );
    events.push(...body.events);
    if (body.next === null) return events;
    after = body.next;
  }
  throw new Error('GET /events kept answering a next page');
}

/** How many events GET /events lists. */
export async function eventCount(api: TestApp): Promise<number> {
  return (await allEvents(api)).length;
}

export async function streamEvents(
  api: TestApp,
  streamId: string,
): Promise<CloudEvent[]> {
  const body = await getJson<{ events: CloudEvent[] }>(
    api,
    `/streams/${encodeURIComponent(streamId)}`,
  );
  return body.events;
}

/**
 * The error contract: a 4xx JSON body `{statusCode, error, message}` that names `field`
 * (in the message, or as `field` / `errors[].field`).
 */
export function expectClientError(
  response: TestResponse,
  status: number,
  field?: string,
): any {
  expect(response.statusCode, response.body).toBe(status);
  expect(String(response.headers['content-type'])).toMatch(
    /^application\/json/,
  );
  const body = response.json();
  expect(body).toMatchObject({
    statusCode: status,
    error: expect.any(String),
    message: expect.any(String),
  });
  if (field !== undefined) {
    const named = [
      body.message as string,
      body.field as string | undefined,
      ...((body.errors as { field: string }[] | undefined) ?? []).map(
        (error) => error.field,
      ),
    ];
    expect(
      named.some((text) => typeof text === 'string' && text.includes(field)),
      `${field} is named in ${response.body}`,
    ).toBe(true);
  }
  return body;
}

export interface SubscriptionStatsBody {
  name: string;
  patterns: string[];
  position: number;
  lag: number;
  processed: number;
  failed: number;
  last_error: string | null;
  [key: string]: unknown;
}

export interface StatsBody {
  instance: string;
  published: number;
  stored: number;
  head: number;
  processed: number;
  failed: number;
  dead_lettered: number;
  retrying: number;
  pending_commit: number;
  subscribers: Record<string, number>;
  subscriptions: SubscriptionStatsBody[];
  retention: { days: number; pruned: number; last_pruned_at: string | null };
}

export function stats(api: TestApp): Promise<StatsBody> {
  return getJson<StatsBody>(api, '/events/stats');
}

/**
 * Waits until every durable subscription has handled the whole log: at the head, and with no
 * event counted after its checkpoint (on PostgreSQL lag counts by transaction id and position,
 * and a subscription can reach the head's position a moment before its lag reads 0).
 */
export async function waitForDelivery(api: TestApp): Promise<StatsBody> {
  return eventually(
    async () => {
      const current = await stats(api);
      return current.subscriptions.every(
        (subscription) =>
          subscription.position === current.head && subscription.lag === 0,
      )
        ? current
        : undefined;
    },
    { what: 'every subscription to reach the head of the log' },
  );
}
