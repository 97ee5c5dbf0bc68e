import { InvalidInputError } from '../common/errors/domain-error.js';

/** `user.registered`, `order.payment-failed`: lower-case words joined by `.`, `_` or `-`. */
export const EVENT_TYPE_REGEX = /^[a-z0-9]+([._-][a-z0-9]+)*$/;

const LITERAL_SEGMENT = /^[a-z0-9]+([_-][a-z0-9]+)*$/;

/**
 * A subscription or query pattern over dot-separated event types:
 * `*` matches exactly one segment, `**` one or more. `user.*` matches `user.registered`
 * but not `user.profile.updated`; `user.**` matches both; `**` matches everything.
 */
export class EventPattern {
  /** Anchored regular expression, valid both in JavaScript and PostgreSQL (`~`). */
  readonly regex: string;
  /** Literal text every match starts with, so SQL can narrow by an index range first. */
  readonly prefix: string;
  readonly isExact: boolean;
  readonly matchesEverything: boolean;
  private readonly compiled: RegExp;
  private readonly cache = new Map<string, boolean>();

  private constructor(readonly source: string) {
    const segments = source.split('.');
    this.isExact = segments.every((segment) => !segment.includes('*'));
    this.matchesEverything = source === '**';
    const firstWildcard = segments.findIndex((segment) =>
      segment.includes('*'),
    );
    this.prefix =
      firstWildcard === -1
        ? source
        : segments
            .slice(0, firstWildcard)
            .map((segment) => `${segment}.`)
            .join('');
    const body = segments
      .map((segment) => {
        if (segment === '*') return '[^.]+';
        if (segment === '**') return '[^.]+(\\.[^.]+)*';
        return segment; // literal segments hold only [a-z0-9_-]: nothing to escape
      })
      .join('\\.');
    this.regex = `^${body}$`;
    this.compiled = new RegExp(this.regex);
  }

  /** @throws InvalidInputError naming `field` when the pattern is malformed. */
  static parse(source: string, field = 'pattern'): EventPattern {
    const segments = source.split('.');
    const valid =
      source.length > 0 &&
      source.length <= 255 &&
      segments.every(
        (segment) =>
          segment === '*' || segment === '**' || LITERAL_SEGMENT.test(segment),
      );
    if (!valid) {
      throw new InvalidInputError(
        field,
        `${field} must be an event type or a pattern of dot-separated segments where * matches one segment and ** one or more (got ${JSON.stringify(source)})`,
      );
    }
    return new EventPattern(source);
  }

  matches(type: string): boolean {
    if (this.matchesEverything) return true;
    if (this.isExact) return type === this.source;
    let result = this.cache.get(type);
    if (result === undefined) {
      result = this.compiled.test(type);
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(type, result);
    }
    return result;
  }
}

export function isValidEventType(type: unknown): type is string {
  return (
    typeof type === 'string' &&
    type.length <= 255 &&
    EVENT_TYPE_REGEX.test(type)
  );
}
