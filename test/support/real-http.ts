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

/** GET `url`, which must answer 200: its body. */
async function page(baseUrl: string, url: string): Promise<any> {
  const answer = await httpJson(baseUrl, 'GET', url);
  if (answer.status !== 200)
    throw new Error(
      `GET ${url}: ${answer.status} ${JSON.stringify(answer.body)}`,
    );
  return answer.body;
}

const withQuery = (path: string, query: string) =>
  `${path}${path.includes('?') ? '&' : '?'}${query}`;

/** Every item of a keyset-paginated listing (`after` = the previous page's `next`). */
export async function walkPages<T>(
  baseUrl: string,
  path: string,
  key: string,
  maxPages = 1_000,
): Promise<T[]> {
  const items: T[] = [];
  let after: number | string | null = null;
  for (let index = 0; index < maxPages; index++) {
    const body = await page(
      baseUrl,
      withQuery(
        path,
        after === null ? 'limit=1000' : `limit=1000&after=${after}`,
      ),
    );
    items.push(...(body[key] as T[]));
    after = body.next;
    if (after === null) return items;
  }
  throw new Error(`GET ${path}: more than ${maxPages} pages`);
}

/** Every item of an offset-paginated listing (`?limit=&offset=`), until a page is not full. */
export async function walkOffsetPages<T>(
  baseUrl: string,
  path: string,
  key: string,
  maxPages = 1_000,
): Promise<T[]> {
  const items: T[] = [];
  const limit = 100;
  for (let index = 0; index < maxPages; index++) {
    const body = await page(
      baseUrl,
      withQuery(path, `limit=${limit}&offset=${index * limit}`),
    );
    items.push(...(body[key] as T[]));
    if (body[key].length < limit) return items;
  }
  throw new Error(`GET ${path}: more than ${maxPages} pages`);
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
