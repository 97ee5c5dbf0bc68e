import { describe, expect, it } from 'vitest';
import {
  compareCursors,
  decodeCursor,
  encodeCursor,
  InvalidCursorError,
} from './event-cursor.js';

describe('event cursors', () => {
  it('round-trips a (transaction id, position) pair through its opaque string', () => {
    const cursor = { txid: 987_654_321_012, position: 42 };
    expect(decodeCursor(encodeCursor(cursor), 'after')).toEqual(cursor);
  });

  it('encodes a cursor without transaction id (SQLite) as the position, and reads a bare position back', () => {
    expect(encodeCursor({ txid: 0, position: 17 })).toBe('17');
    expect(decodeCursor('17', 'after')).toEqual({ position: 17 });
  });

  it('orders by transaction id first, then position', () => {
    const late = { txid: 5, position: 3 };
    const early = { txid: 4, position: 9 };
    expect(compareCursors(early, late)).toBeLessThan(0);
    expect(compareCursors(late, { txid: 5, position: 2 })).toBeGreaterThan(0);
    expect(compareCursors(late, { ...late })).toBe(0);
  });

  it.each([
    '',
    '-1',
    'abc',
    '1-',
    '-1-2',
    '1-2-3',
    '1.5',
    '9'.repeat(17),
    `1-${'9'.repeat(17)}`,
  ])('refuses %j with a 400 naming the field', (text) => {
    expect(() => decodeCursor(text, 'after')).toThrow(InvalidCursorError);
    try {
      decodeCursor(text, 'after');
    } catch (error) {
      expect((error as InvalidCursorError).field).toBe('after');
    }
  });
});
