import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/seeded-random.js';
import { EventPattern } from './event-pattern.js';
import { matchSegments, type StepMeter } from './segment-matcher.js';

/** The definition, followed literally: tries every split, so only for small inputs. */
function reference(tokens: string[], segments: string[]): boolean {
  if (tokens.length === 0) return segments.length === 0;
  const [token, ...rest] = tokens;
  if (token === '**') {
    for (let taken = 1; taken <= segments.length; taken++)
      if (reference(rest, segments.slice(taken))) return true;
    return false;
  }
  return (
    segments.length > 0 &&
    (token === '*' || token === segments[0]) &&
    reference(rest, segments.slice(1))
  );
}

function steps(tokens: string[], segments: string[]) {
  const meter: StepMeter = { steps: 0 };
  const matched = matchSegments(tokens, segments, meter);
  return { matched, steps: meter.steps };
}

const repeat = (count: number, make: (index: number) => string) =>
  Array.from({ length: count }, (_, index) => make(index));

describe('matchSegments', () => {
  describe('work is bounded by (pattern segments + 1) × (type segments + 1)', () => {
    // A 255-character type has at most 128 segments; a pattern at most 32.
    const cases: [string, string[], string[], boolean][] = [
      [
        '32 ** against 127 segments, no match at the end',
        [...repeat(31, () => '**'), 'z'],
        repeat(127, () => 'a'),
        false,
      ],
      [
        '32 ** against 127 segments ending in the literal',
        [...repeat(31, () => '**'), 'z'],
        [...repeat(126, () => 'a'), 'z'],
        true,
      ],
      [
        '32 ** against 128 segments',
        repeat(32, () => '**'),
        repeat(128, () => 'a'),
        true,
      ],
      [
        'alternating * and ** against 127 segments',
        repeat(32, (i) => (i % 2 === 0 ? '*' : '**')),
        repeat(127, () => 'a'),
        true,
      ],
      [
        'alternating ** and a literal the type never has',
        [...repeat(31, (i) => (i % 2 === 0 ? '**' : 'a')), 'b'],
        repeat(127, () => 'a'),
        false,
      ],
      [
        '** around literals against a type of those literals',
        repeat(32, (i) => (i % 4 === 3 ? 'a' : '**')),
        repeat(127, (i) => (i % 2 === 0 ? 'a' : 'b')),
        true,
      ],
    ];

    it.each(cases)('%s', (_, tokens, segments, expected) => {
      const result = steps(tokens, segments);
      expect(result.matched).toBe(expected);
      expect(result.steps).toBeLessThanOrEqual(
        (tokens.length + 1) * (segments.length + 1),
      );
    });

    it('stops early once no prefix of the type can match', () => {
      const result = steps(
        ['b', ...repeat(31, () => '**')],
        repeat(127, () => 'a'),
      );
      expect(result.matched).toBe(false);
      expect(result.steps).toBe(2 * 128);
    });

    it('is what EventPattern uses: the worst pattern answers at once', () => {
      const pattern = EventPattern.parse(`${'**.'.repeat(31)}z`);
      expect(pattern.matches(repeat(60, () => 'a').join('.'))).toBe(false);
      expect(pattern.matches([...repeat(59, () => 'a'), 'z'].join('.'))).toBe(
        true,
      );
    });
  });

  describe('agrees with the definition', () => {
    const SEED = 20_240_501;
    const TOKENS = ['*', '**', 'a', 'b', 'c'];
    const SEGMENTS = ['a', 'b', 'c'];

    it(`on 20,000 random patterns and types (seed ${SEED})`, () => {
      const random = seededRandom(SEED);
      const pick = <T>(items: T[]) =>
        items[Math.floor(random() * items.length)];
      for (let run = 0; run < 20_000; run++) {
        const tokens = repeat(1 + Math.floor(random() * 6), () => pick(TOKENS));
        const segments = repeat(1 + Math.floor(random() * 9), () =>
          pick(SEGMENTS),
        );
        const expected = reference(tokens, segments);
        const label = `${tokens.join('.')} vs ${segments.join('.')} (run ${run})`;
        expect(matchSegments(tokens, segments), label).toBe(expected);

        // The SQL narrowing (prefix range, segment bounds) never drops a match.
        const pattern = EventPattern.parse(tokens.join('.'));
        const type = segments.join('.');
        expect(pattern.matches(type), label).toBe(expected);
        if (expected) {
          expect(type.startsWith(pattern.prefix), label).toBe(true);
          expect(segments.length, label).toBeGreaterThanOrEqual(
            pattern.minSegments,
          );
          expect(segments.length, label).toBeLessThanOrEqual(
            pattern.maxSegments ?? Infinity,
          );
        }
      }
    });

    it('never lets * or ** take an empty segment', () => {
      expect(matchSegments(['*'], [''])).toBe(false);
      expect(matchSegments(['**'], ['a', ''])).toBe(false);
      expect(matchSegments(['a', '**'], ['a', '', 'b'])).toBe(false);
    });
  });
});
