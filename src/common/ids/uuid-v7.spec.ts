import { validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from './uuid-v7.js';

describe('uuidv7', () => {
  it('gives valid version-7 UUIDs with the RFC 9562 variant', () => {
    for (let i = 0; i < 5_000; i++) {
      const id = uuidv7();
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(7);
      expect('89ab').toContain(id[19]);
    }
  });

  it('carries the current Unix milliseconds in its first 48 bits', () => {
    const before = Date.now();
    const id = uuidv7();
    const after = Date.now();
    const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    // A wrapped counter moves the timestamp on by one millisecond at most.
    expect(ms).toBeLessThanOrEqual(after + 1);
  });

  it('gives strictly increasing, distinct ids across refills of its random pool', () => {
    const ids = Array.from({ length: 3_000 }, () => uuidv7());
    for (let i = 1; i < ids.length; i++) {
      expect(ids[i] > ids[i - 1]).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});
