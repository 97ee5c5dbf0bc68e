import { describe, expect, it } from 'vitest';
import {
  MAX_PUBLIC_ERROR_LENGTH,
  publicError,
  publicErrorText,
  publicMessage,
} from './public-error.js';

describe('publicError', () => {
  it('gives the class and message of an error, without its stack', () => {
    const error = new RangeError('too far');
    expect(error.stack).toContain('    at ');
    expect(publicError(error)).toBe('RangeError: too far');
  });

  it('names anything else thrown as an Error', () => {
    expect(publicError('plain text')).toBe('Error: plain text');
    expect(publicMessage(42)).toBe('42');
  });
});

describe('publicErrorText', () => {
  it.each([
    [
      "ENOENT: no such file or directory, open '/some/abs/path/file.txt'",
      "ENOENT: no such file or directory, open '<path>'",
    ],
    [
      `Cannot find module ${process.cwd()}/dist/x.js imported from ${process.cwd()}/dist/y.js`,
      'Cannot find module <path> imported from <path>',
    ],
    [
      `module:${process.cwd()}/dist/x.js failed`,
      'module:<path>/dist/x.js failed',
    ],
    ['open "C:\\Users\\ops\\secret.txt"', 'open "<path>"'],
    ['see \\\\server\\share\\file', 'see <path>'],
    ['load file:///srv/app/x.mjs', 'load <path>'],
    ['at (/srv/app/x.js:10:5)', 'at (<path>)'],
    ['path=/srv/app/config.yaml', 'path=<path>'],
  ])('replaces the absolute path in %j', (text, expected) => {
    expect(publicErrorText(text)).toBe(expected);
  });

  it.each([
    'POST https://hooks.example.com/a/b failed: connection refused',
    'route /events not found',
    'answered 400: refused with 400',
    'ratio 1/2',
  ])('leaves %j as it is', (text) => {
    expect(publicErrorText(text)).toBe(text);
  });

  it('drops stack frame lines stored by older versions', () => {
    const stored =
      'Error: boom\n    at handle (/srv/app/dist/x.js:1:2)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)';
    expect(publicErrorText(stored)).toBe('Error: boom');
  });

  it('is idempotent', () => {
    const once = publicErrorText("open '/a/b/c' at /d/e");
    expect(publicErrorText(once)).toBe(once);
  });

  it('bounds the length of a huge message', () => {
    const text = publicErrorText('x'.repeat(10 * MAX_PUBLIC_ERROR_LENGTH));
    expect(text).toHaveLength(MAX_PUBLIC_ERROR_LENGTH);
    expect(text.endsWith('…')).toBe(true);
  });
});
