/** Requests over real HTTP to an app in a child process, and the listings read through them. */

const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface HttpResult {
  status: number;
  body: any;
  headers: Headers;
}

/** One JSON request over real HTTP; rejects on network errors and after `timeoutMs`. */
export async function httpJson(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<HttpResult> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: kept as text.
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

const withQuery = (path: string, query: string) =>
  `${path}${path.includes('?') ? '&' : '?'}${query}`;

/**
 * The items (under `key`) of every page of a listing: starts with `firstQuery`, and asks
 * `following` for the query of the next page (null after the last); at most `maxPages`.
 */
async function readPages<T>(
  baseUrl: string,
  path: string,
  key: string,
  firstQuery: string,
  following: (body: any, pagesRead: number) => string | null,
  maxPages: number,
): Promise<T[]> {
  const items: T[] = [];
  let query: string | null = firstQuery;
  for (let pagesRead = 1; pagesRead <= maxPages; pagesRead++) {
    const url = withQuery(path, query);
    const answer = await httpJson(baseUrl, 'GET', url);
    if (answer.status !== 200)
      throw new Error(
        `GET ${url}: ${answer.status} ${JSON.stringify(answer.body)}`,
      );
    items.push(...(answer.body[key] as T[]));
    query = following(answer.body, pagesRead);
    if (query === null) return items;
  }
  throw new Error(`GET ${path}: more than ${maxPages} pages`);
}

/** Every item of a keyset-paginated listing (`after` = the previous page's `next`). */
export function walkPages<T>(
  baseUrl: string,
  path: string,
  key: string,
  maxPages = 1_000,
): Promise<T[]> {
  return readPages<T>(
    baseUrl,
    path,
    key,
    'limit=1000',
    (body) => (body.next === null ? null : `limit=1000&after=${body.next}`),
    maxPages,
  );
}

/** Every item of an offset-paginated listing (`?limit=&offset=`), until a page is not full. */
export function walkOffsetPages<T>(
  baseUrl: string,
  path: string,
  key: string,
  maxPages = 1_000,
): Promise<T[]> {
  const limit = 100;
  return readPages<T>(
    baseUrl,
    path,
    key,
    `limit=${limit}&offset=0`,
    (body, pagesRead) =>
      body[key].length < limit
        ? null
        : `limit=${limit}&offset=${pagesRead * limit}`,
    maxPages,
  );
}

/** Polls /events/stats until every subscription's lag is 0; returns those stats. */
export async function waitForCatchUp(
  baseUrl: string,
  timeoutMs = 60_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const answer = await httpJson(baseUrl, 'GET', '/events/stats');
    last = answer.body;
    if (
      answer.status === 200 &&
      answer.body.subscriptions.every(
        (subscription: { lag: number }) => subscription.lag === 0,
      )
    )
      return answer.body;
    await sleep(100);
  }
  throw new Error(
    `subscriptions did not catch up within ${timeoutMs}ms: ${JSON.stringify(last)}`,
  );
}
