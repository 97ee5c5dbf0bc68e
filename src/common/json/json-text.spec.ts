import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/domain-error.js';
import { checkJsonText, MAX_JSON_DEPTH } from './json-text.js';

/** The field and message checkJsonText refuses `text` with, or undefined. */
function refusal(text: string): { field: string; message: string } | undefined {
  try {
    checkJsonText(text, 'body');
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    const { field, message } = error as InvalidInputError;
    return { field, message };
  }
}

describe('checkJsonText', () => {
  describe('depth', () => {
    const arrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

    it('counts arrays and objects alike, up to MAX_JSON_DEPTH', () => {
      expect(MAX_JSON_DEPTH).toBe(128);
      expect(refusal(arrays(127).replace('[]', '[{"a":1}]'))).toBeUndefined();
      expect(refusal(arrays(129))).toEqual({
        field: 'body',
        message: 'body nests arrays and objects deeper than 128 levels',
      });
      expect(
        refusal('{"a":'.repeat(129) + '1' + '}'.repeat(129))?.message,
      ).toMatch(/deeper than 128 levels/);
    });

    it('counts depth, not the number of brackets', () => {
      expect(refusal('[' + '[],'.repeat(10_000) + '[]]')).toBeUndefined();
    });

    it('ignores brackets inside strings, after escaped quotes and backslashes too', () => {
      expect(refusal(`["${'['.repeat(500)}"]`)).toBeUndefined();
      expect(refusal(`["\\"${'['.repeat(500)}"]`)).toBeUndefined();
      expect(refusal(`["\\\\", ${arrays(129)}]`)?.message).toMatch(/deeper/);
    });

    it('refuses 100,000 levels without recursing', () => {
      expect(refusal(arrays(100_000))?.message).toMatch(/deeper/);
    });
  });

  describe('unpaired surrogates', () => {
    it.each([
      ['"\\ud800"', 'body'],
      ['{"id":"x\\uD800y"}', 'id'],
      ['{"data":{"list":[1,"\\udc00"]}}', 'data.list.1'],
      ['[{"source":"/s"},{"source":"\\ud800\\u0041"}]', '[1].source'],
      ['{"a":"ok","b":"\\ud800\\ud800"}', 'b'],
    ])('refuses %s, naming %s', (text, field) => {
      const refused = refusal(text);
      expect(refused?.field).toBe(field);
      expect(refused?.message).toMatch(
        new RegExp(
          `^${field.replace(/[[\].]/g, '\\$&')} contains an unpaired surrogate \\(\\\\ud[8c]00\\)`,
        ),
      );
    });

    it('names the object whose key holds one', () => {
      expect(refusal('{"data":{"\\ud83d":1}}')).toEqual({
        field: 'data',
        message:
          'a key of data contains an unpaired surrogate (\\ud83d), which is no Unicode text',
      });
    });

    it('refuses one in text that is not JSON, naming the body', () => {
      expect(refusal('"\\ud800')?.field).toBe('body');
    });

    it.each([
      '"\\ud83d\\ude00"',
      '"\\u00e9\\u0041"',
      '"\\\\ud800"',
      '"😀"',
      '"\\u12"',
    ])('lets %s through', (text) => {
      expect(refusal(text)).toBeUndefined();
    });
  });
});
