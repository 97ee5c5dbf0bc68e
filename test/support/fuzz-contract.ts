import type { TestResponse } from './test-app.js';

/**
 * What every answer must respect, whatever was asked: no 5xx but a 503 with Retry-After,
 * errors as JSON `{statusCode, error, message}`, and nothing of the server's insides
 * (stack frames, its own directories) in any body.
 */
export function contractBreach(
  method: string,
  response: TestResponse,
  serverPaths: string[],
): string | undefined {
  const status = response.statusCode;
  if (status >= 500 && status !== 503) return `answered ${status}`;
  if (status === 503 && response.headers['retry-after'] === undefined)
    return 'answered 503 without Retry-After';
  const body = response.body;
  if (body.includes('    at ')) return 'the body shows a stack frame';
  const path = serverPaths.find((candidate) => body.includes(candidate));
  if (path !== undefined) return `the body shows the server path ${path}`;
  if (status >= 400 && method !== 'HEAD') return errorBodyBreach(response);
  return undefined;
}

function errorBodyBreach(response: TestResponse): string | undefined {
  const type = String(response.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(type))
    return `the error body is ${type || 'untyped'}, not JSON`;
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return 'the error body does not parse as JSON';
  }
  const error = body as Record<string, unknown> | null;
  if (
    typeof error !== 'object' ||
    error === null ||
    error.statusCode !== response.statusCode ||
    typeof error.error !== 'string' ||
    typeof error.message !== 'string'
  )
    return 'the error body is not {statusCode, error, message}';
  return undefined;
}
