import type { RequestPlan } from './fuzz-requests.js';
import { percentEncode, Token, type PoolName } from './fuzz-values.js';

/** A request ready for inject, with what the fuzzer needs to judge its outcome. */
export interface ResolvedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** The targeted route as `PATCH /users/:id`; undefined for stray requests. */
  route: string | undefined;
  /** Path parameter values as the route receives them (decoded). */
  params: string[];
  /** Fresh event ids this request carries: stored if acknowledged, never if refused. */
  mintedEventIds: string[];
}

/**
 * What exists so far (filled from the application's answers, in plan order) and the counter
 * behind fresh ids. Tokens pick from it by index, so the same seed picks the same n-th thing.
 */
export class Known {
  readonly pools: Record<PoolName, string[]> = {
    users: [],
    orders: [],
    events: [],
    deadLetters: [],
    replays: [],
    webhooks: [],
    streams: [],
    subscriptions: [],
    correlations: [],
  };
  readonly eventSources: string[] = [];
  private counter = 0;

  constructor(
    readonly seed: number,
    readonly receiverUrl: string,
  ) {}

  add(pool: PoolName, value: string): void {
    this.pools[pool].push(value);
  }

  addEvent(id: string, source: string): void {
    this.pools.events.push(id);
    this.eventSources.push(source);
  }

  resolve(plan: RequestPlan): ResolvedRequest {
    const minted: string[] = [];
    const value = (token: string | Token): string =>
      token instanceof Token ? this.valueOf(token, minted) : token;

    const params = plan.segments.map(value);
    let index = 0;
    const path = plan.url.replace(/:[A-Za-z0-9_]+|\*/g, () => {
      const segment = plan.segments[index];
      const text = params[index++] ?? '';
      // Known values are sent encoded; generated garbage is sent as generated.
      return segment instanceof Token ? percentEncode(text) : text;
    });
    const query = plan.query
      .map(({ key, value: raw, raw: verbatim }) => {
        const text = value(raw);
        return verbatim
          ? `${key}=${text}`
          : `${encodeURIComponent(key)}=${percentEncode(text)}`;
      })
      .join('&');

    const headers: Record<string, string> = {};
    for (const [name, header] of plan.payload.headers)
      headers[name] = value(header);
    for (const [name, header] of plan.overlay) {
      if (header === null) delete headers[name];
      else headers[name] = value(header);
    }

    const body = plan.payload.body;
    let payload: string | Buffer | undefined;
    if (body && 'json' in body)
      payload = JSON.stringify(this.resolveJson(body.json, minted)) ?? '';
    else if (body)
      payload = typeof body.raw === 'string' ? body.raw : Buffer.from(body.raw);

    return {
      method: plan.method,
      url: query ? `${path}?${query}` : path,
      headers,
      payload,
      route: plan.route && `${plan.route.method} ${plan.route.url}`,
      // Generated segments are sent encoded; what the route receives is their decoding.
      params: params.map((param, at) =>
        plan.segments[at] instanceof Token ? param : safeDecode(param),
      ),
      mintedEventIds: minted,
    };
  }

  private resolveJson(value: unknown, minted: string[]): unknown {
    if (value instanceof Token) return this.valueOf(value, minted);
    if (Array.isArray(value))
      return value.map((item) => this.resolveJson(item, minted));
    if (typeof value === 'object' && value !== null) {
      // fromEntries keeps a generated "__proto__" key as an own property.
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [
          key,
          this.resolveJson(item, minted),
        ]),
      );
    }
    return value;
  }

  private valueOf(token: Token, minted: string[]): string {
    const pick = (values: string[], fallback: string) =>
      values.length === 0 ? fallback : values[token.index % values.length];
    switch (token.kind) {
      case 'freshEventId':
      case 'freshParkedEventId': {
        const park = token.kind === 'freshParkedEventId' ? 'park-' : '';
        const id = `fz${this.seed}-${park}${this.counter++}`;
        minted.push(id);
        return id;
      }
      case 'freshEmail':
        return `fz${this.seed}-${this.counter++}@example.com`;
      case 'freshWebhook':
        return `fz${this.seed}-h${this.counter++}`;
      case 'receiverUrl':
        return this.receiverUrl;
      case 'eventSource':
        return pick(this.eventSources, '/fuzz');
      case 'orderStream':
        return `order-${pick(this.pools.orders, '00000000-0000-7000-8000-000000000000')}`;
      case 'userStream':
        return `user-${pick(this.pools.users, '00000000-0000-7000-8000-000000000000')}`;
      default:
        return pick(this.pools[token.kind], `no-${token.kind}`);
    }
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
