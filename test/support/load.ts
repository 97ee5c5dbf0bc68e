import { httpJson, type HttpResult } from './real-http.js';

const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface LoadOptions {
  /** Requests in flight at once. */
  concurrency: number;
  /** Prefix of the client-chosen event ids (and user emails). */
  prefix: string;
  type: string;
  /** Checked before every request; true stops the load. */
  stop(): boolean;
  maxRequests: number;
  maxDurationMs: number;
  /** Every n-th request registers a user instead of publishing an event; 0 never. */
  userEvery?: number;
}

export interface LoadResult {
  /** Event ids answered 201 or 200. */
  acknowledged: string[];
  /** Event ids answered 503. */
  refused: string[];
  /** The 503 answers (users included): Retry-After header and body. */
  refusals: { retryAfter: string | null; body: unknown }[];
  /** Event ids whose request got no answer (connection lost, timeout). */
  unanswered: string[];
  /** Why requests got no answer: error code (or message) and how often. */
  networkErrors: Map<string, number>;
  /** Ids of users answered 201. */
  users: string[];
  /** Any other answer: `<status> <body>`. */
  unexpected: string[];
}

/** Publishes `type` events (and registers users) with client-chosen ids until told to stop. */
export async function runLoad(
  baseUrl: string,
  options: LoadOptions,
): Promise<LoadResult> {
  const result: LoadResult = {
    acknowledged: [],
    refused: [],
    refusals: [],
    unanswered: [],
    networkErrors: new Map(),
    users: [],
    unexpected: [],
  };
  const deadline = Date.now() + options.maxDurationMs;
  let next = 0;
  const worker = async () => {
    while (
      !options.stop() &&
      next < options.maxRequests &&
      Date.now() < deadline
    ) {
      const n = next++;
      const id = `${options.prefix}-${n}`;
      const registersUser =
        options.userEvery !== undefined &&
        options.userEvery > 0 &&
        n % options.userEvery === 0;
      try {
        const answer: HttpResult = registersUser
          ? await httpJson(baseUrl, 'POST', '/users', {
              email: `${id}@example.com`,
              name: id,
            })
          : await httpJson(baseUrl, 'POST', '/events', {
              id,
              type: options.type,
              data: { n },
            });
        if (answer.status === 503) {
          result.refusals.push({
            retryAfter: answer.headers.get('retry-after'),
            body: answer.body,
          });
        }
        if (registersUser) {
          if (answer.status === 201) result.users.push(answer.body.id);
          else if (answer.status !== 503)
            result.unexpected.push(
              `${answer.status} ${JSON.stringify(answer.body)}`,
            );
        } else if (answer.status === 201 || answer.status === 200) {
          if (answer.body?.id !== id)
            result.unexpected.push(
              `ack for ${id}: ${JSON.stringify(answer.body)}`,
            );
          result.acknowledged.push(id);
        } else if (answer.status === 503) {
          result.refused.push(id);
        } else {
          result.unexpected.push(
            `${answer.status} ${JSON.stringify(answer.body)}`,
          );
        }
      } catch (error) {
        const reason = networkErrorCode(error);
        result.networkErrors.set(
          reason,
          (result.networkErrors.get(reason) ?? 0) + 1,
        );
        if (!registersUser) result.unanswered.push(id);
        await sleep(5);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return result;
}

function networkErrorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })
    .cause;
  return (
    cause?.code ?? cause?.message ?? (error as Error).name ?? String(error)
  );
}
