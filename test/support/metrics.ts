import { expect } from 'vitest';
import type { TestApp } from './test-app.js';

/** The value of one sample line of the Prometheus text format, or undefined when absent. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** GET /metrics: its text, once checked to be the Prometheus text format. */
export async function scrape(api: TestApp): Promise<string> {
  const response = await api.request({ method: 'GET', url: '/metrics' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(
    /^text\/plain; version=0\.0\.4/,
  );
  return response.body;
}
