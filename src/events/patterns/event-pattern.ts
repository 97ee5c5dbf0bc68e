import { InvalidInputError } from '../../common/errors/domain-error.js';
import { matchSegments } from './segment-matcher.js';

/** `user.registered`, `order.payment-failed`: lower-case words joined by `.`, `_` or `-`. */
export const EVENT_TYPE_REGEX = /^[a-z0-9]+([._-][a-z0-9]+)*$/;

export const MAX_PATTERN_LENGTH = 255;
export const MAX_PATTERN_SEGMENTS = 32;

const LITERAL_SEGMENT = /^[a-z0-9]+([_-][a-z0-9]+)*$/;

/**
 * A subscription or query pattern over dot-separated event types:
 * `*` matches exactly one segment, `**` one or more. `user.*` matches `user.registered`
 * but not `user.profile.updated`; `user.**` matches both; `**` matches everything.
 * Matching walks the segments (see matchSegments): linear in pattern × type, never a regex.
 */
export class EventPattern {
  /** Literal text every match starts with, so SQL can narrow by an index range first. */
  readonly prefix: string;
  readonly isExact: boolean;
  readonly matchesEverything: boolean;
  /** Fewest segments a matching type has; the most, or null when a `**` leaves it open. */
  readonly minSegments: number;
  readonly maxSegments: number | null;
  private readonly tokens: readonly string[];
  private readonly cache = new Map<string, boolean>();

  private constructor(readonly source: string) {
    this.tokens = source.split('.');
    const wildcard = (token: string) => token.includes('*');
    this.isExact = !this.tokens.some(wildcard);
    this.matchesEverything = source === '**';
    this.minSegments = this.tokens.length;
    this.maxSegments = this.tokens.includes('**') ? null : this.tokens.length;
    const firstWildcard = this.tokens.findIndex(wildcard);
    this.prefix =
      firstWildcard === -1
        ? source
        : this.tokens
            .slice(0, firstWildcard)
            .map((token) => `${token}.`)
            .join('');
  }

  /** @throws InvalidInputError naming `field` when the pattern is malformed or too large. */
  static parse(source: string, field = 'pattern'): EventPattern {
    const problem = EventPattern.problemWith(source);
    if (problem !== undefined) {
      throw new InvalidInputError(
        field,
        `${field} ${problem} (got ${JSON.stringify(source)})`,
      );
    }
    return new EventPattern(source);
  }

  /** Why `source` is not a pattern (to follow the field's name), or undefined when it is one. */
  static problemWith(source: string): string | undefined {
    if (source.length > MAX_PATTERN_LENGTH)
      return `must be at most ${MAX_PATTERN_LENGTH} characters`;
    const segments = source.split('.');
    if (segments.length > MAX_PATTERN_SEGMENTS)
      return `must have at most ${MAX_PATTERN_SEGMENTS} dot-separated segments`;
    const wellFormed = segments.every(
      (segment) =>
        segment === '*' || segment === '**' || LITERAL_SEGMENT.test(segment),
    );
    return wellFormed
      ? undefined
      : 'must be an event type or a pattern of dot-separated segments where * matches one segment and ** one or more';
  }

  matches(type: string): boolean {
    if (this.matchesEverything) return true;
    if (this.isExact) return type === this.source;
    let result = this.cache.get(type);
    if (result === undefined) {
      result = matchSegments(this.tokens, type.split('.'));
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
