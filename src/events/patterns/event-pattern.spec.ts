import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import {
  EVENT_TYPE_REGEX,
  EventPattern,
  isValidEventType,
} from './event-pattern.js';

const TYPES = [
  'user',
  'userx',
  'user.registered',
  'user.profile.updated',
  'user.profile.photo.changed',
  'userx.created',
  'order.created',
  'order.payment-failed',
  'order.payment.failed',
  'order_line.added',
];

/** Which of TYPES the pattern matches. */
function matched(source: string): string[] {
  const pattern = EventPattern.parse(source);
  return TYPES.filter((type) => pattern.matches(type));
}

describe('EventPattern', () => {
  describe('parse', () => {
    it.each([
      'user.registered',
      'user',
      'order.payment-failed',
      'order_line.added',
      '*',
      '**',
      'user.*',
      'user.**',
      '*.created',
      '**.failed',
      'order.*.failed',
      'a.**.b.*',
    ])('accepts %j', (source) => {
      expect(EventPattern.parse(source).source).toBe(source);
    });

    it.each([
      '',
      '.',
      'user.',
      '.user',
      'user..registered',
      'User.registered',
      'user.Registered',
      'user registered',
      'user.*x',
      'us*er',
      'user.***',
      '*user',
      'user/registered',
      'user.-x',
      'user.x_',
      'ü',
      'a'.repeat(256),
    ])('refuses %j with InvalidInputError naming the field', (source) => {
      let error: unknown;
      try {
        EventPattern.parse(source, 'type');
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe('type');
      expect((error as Error).message).toContain('type');
      expect((error as Error).message).toContain(JSON.stringify(source));
    });

    it("names the field 'pattern' by default", () => {
      expect(() => EventPattern.parse('Bad')).toThrow(/^pattern /);
    });

    it('accepts a pattern of exactly 255 characters', () => {
      const source = `${'a'.repeat(250)}.${'b'.repeat(4)}`;
      expect(source).toHaveLength(255);
      expect(EventPattern.parse(source).isExact).toBe(true);
    });
  });

  describe('matches', () => {
    it('an exact type matches that type only', () => {
      expect(matched('user.registered')).toEqual(['user.registered']);
      expect(matched('user')).toEqual(['user']);
    });

    it('* matches exactly one segment', () => {
      expect(matched('user.*')).toEqual(['user.registered']);
      expect(matched('*')).toEqual(['user', 'userx']);
      expect(matched('*.created')).toEqual(['userx.created', 'order.created']);
      expect(matched('order.*.failed')).toEqual(['order.payment.failed']);
      expect(matched('user.*.*')).toEqual(['user.profile.updated']);
    });

    it('** matches one or more segments', () => {
      expect(matched('user.**')).toEqual([
        'user.registered',
        'user.profile.updated',
        'user.profile.photo.changed',
      ]);
      expect(matched('**.failed')).toEqual(['order.payment.failed']);
      expect(matched('user.**.changed')).toEqual([
        'user.profile.photo.changed',
      ]);
      expect(matched('**.updated')).toEqual(['user.profile.updated']);
    });

    it('** alone matches everything', () => {
      expect(matched('**')).toEqual(TYPES);
    });

    it('never matches across a prefix that only shares characters', () => {
      expect(matched('user.**')).not.toContain('userx.created');
      expect(matched('user.*')).not.toContain('user');
    });

    it('treats - and _ as part of a segment', () => {
      expect(matched('order.*')).toEqual([
        'order.created',
        'order.payment-failed',
      ]);
      expect(matched('order_line.*')).toEqual(['order_line.added']);
    });

    it('gives the same answer when asked again', () => {
      const pattern = EventPattern.parse('user.*');
      for (let i = 0; i < 3; i++) {
        expect(pattern.matches('user.registered')).toBe(true);
        expect(pattern.matches('user.profile.updated')).toBe(false);
      }
    });
  });

  describe('properties for SQL', () => {
    it.each([
      ['user.registered', true, false],
      ['user.*', false, false],
      ['**', false, true],
      ['*', false, false],
    ])('%j: isExact %s, matchesEverything %s', (source, exact, everything) => {
      const pattern = EventPattern.parse(source);
      expect(pattern.isExact).toBe(exact);
      expect(pattern.matchesEverything).toBe(everything);
    });

    it.each([
      ['user.registered', 'user.registered'],
      ['user.*', 'user.'],
      ['user.**', 'user.'],
      ['order.*.failed', 'order.'],
      ['a.b.**.c', 'a.b.'],
      ['*.created', ''],
      ['**', ''],
    ])('%j has the literal prefix %j', (source, prefix) => {
      expect(EventPattern.parse(source).prefix).toBe(prefix);
    });

    it.each([
      ['user.registered', 2, 2],
      ['user.*', 2, 2],
      ['user.**', 2, null],
      ['**.failed', 2, null],
      ['**.**', 2, null],
      ['*', 1, 1],
    ])('%j matches types of %i to %s segments', (source, min, max) => {
      const pattern = EventPattern.parse(source);
      expect(pattern.minSegments).toBe(min);
      expect(pattern.maxSegments).toBe(max);
    });

    it.each([
      'user.registered',
      'user.*',
      'user.**',
      '*.created',
      '**.failed',
      'order.*.failed',
      'user.**.changed',
      '*',
      '**',
    ])(
      '%j: matches, prefix and segment bounds agree with the regex the pattern means',
      (source) => {
        const pattern = EventPattern.parse(source);
        const meaning = regexMeaning(source);
        for (const type of TYPES) {
          expect(pattern.matches(type), type).toBe(meaning.test(type));
          if (!pattern.matches(type)) continue;
          const segments = type.split('.').length;
          expect(type.startsWith(pattern.prefix), type).toBe(true);
          expect(segments).toBeGreaterThanOrEqual(pattern.minSegments);
          expect(segments).toBeLessThanOrEqual(pattern.maxSegments ?? Infinity);
        }
      },
    );

    it("'**.**' needs at least two segments", () => {
      const pattern = EventPattern.parse('**.**');
      expect(regexMeaning('**.**').test('user')).toBe(false);
      expect(pattern.matches('user')).toBe(false);
      expect(pattern.matches('user.registered')).toBe(true);
      expect(pattern.matchesEverything).toBe(false);
    });
  });

  describe('size limits', () => {
    const segments = (count: number) =>
      Array.from({ length: count }, () => '**').join('.');

    it('accepts 32 segments and refuses 33, naming the field', () => {
      expect(EventPattern.parse(segments(32)).minSegments).toBe(32);
      expect(() => EventPattern.parse(segments(33), 'types')).toThrow(
        /^types must have at most 32 dot-separated segments/,
      );
    });

    it('refuses 256 characters even in few segments', () => {
      const source = `${'a'.repeat(200)}.${'b'.repeat(55)}`;
      expect(source).toHaveLength(256);
      expect(() => EventPattern.parse(source, 'type')).toThrow(
        /^type must be at most 255 characters/,
      );
    });

    it('problemWith says what is wrong, or nothing for a good pattern', () => {
      expect(EventPattern.problemWith('user.**')).toBeUndefined();
      expect(EventPattern.problemWith(segments(33))).toContain('32');
      expect(EventPattern.problemWith('User')).toContain('pattern');
    });
  });
});

/**
 * What a pattern has always meant, spelled as the anchored regex it used to compile to:
 * an oracle for the small inputs above, never used by the application.
 */
function regexMeaning(source: string): RegExp {
  const body = source
    .split('.')
    .map((segment) => {
      if (segment === '*') return '[^.]+';
      if (segment === '**') return '[^.]+(\\.[^.]+)*';
      return segment;
    })
    .join('\\.');
  return new RegExp(`^${body}$`);
}

describe('event types', () => {
  it.each([
    'user',
    'user.registered',
    'order.payment-failed',
    'order_line.added',
    'a1.b2',
  ])('%j is valid', (type) => {
    expect(isValidEventType(type)).toBe(true);
    expect(EVENT_TYPE_REGEX.test(type)).toBe(true);
  });

  it.each([
    '',
    'User',
    'user.',
    '.user',
    'user..x',
    'user.*',
    'user registered',
    'user-',
    'a'.repeat(256),
  ])('%j is invalid', (type) => {
    expect(isValidEventType(type)).toBe(false);
  });

  it('refuses values that are not strings', () => {
    expect(isValidEventType(5)).toBe(false);
    expect(isValidEventType(null)).toBe(false);
    expect(isValidEventType(['user'])).toBe(false);
  });
});
