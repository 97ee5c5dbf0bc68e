import { describe, expect, it } from 'vitest';
import { EventPattern } from '../patterns/event-pattern.js';
import {
  PATTERN_SCAN_BUDGET,
  scanForPattern,
  type ReadCandidates,
  type TypedPosition,
} from './pattern-scan.js';

/** Candidates held in memory, read in ascending position order; counts the rows handed out. */
function candidates(rows: TypedPosition[]) {
  const source = { read: 0, reader: undefined as unknown as ReadCandidates };
  source.reader = (after, limit) => {
    const chunk = rows
      .filter((row) => after === undefined || row.position > after)
      .slice(0, limit);
    source.read += chunk.length;
    return Promise.resolve(chunk);
  };
  return source;
}

/** Positions 1..count typed `noise.tick`, except those listed in `matching`. */
function log(count: number, matching: Record<number, string>) {
  return Array.from({ length: count }, (_, index) => ({
    position: index + 1,
    type: matching[index + 1] ?? 'noise.tick',
    bytes: 100,
  }));
}

const FAILED = EventPattern.parse('**.failed');

describe('scanForPattern', () => {
  it(`reads at most ${PATTERN_SCAN_BUDGET} rows, then answers what it found and the last position read`, async () => {
    const source = candidates(log(25_000, { 12_000: 'order.failed' }));
    const first = await scanForPattern(FAILED, { limit: 100 }, source.reader);
    expect(first).toEqual({ positions: [], next: PATTERN_SCAN_BUDGET });
    expect(source.read).toBe(PATTERN_SCAN_BUDGET);

    source.read = 0;
    const second = await scanForPattern(
      FAILED,
      { after: first.next as number, limit: 100 },
      source.reader,
    );
    expect(second).toEqual({ positions: [12_000], next: 20_000 });
    expect(source.read).toBe(PATTERN_SCAN_BUDGET);
  });

  it('reads little more than its page when most rows match', async () => {
    // Every other row matches: a page of 20 needs about 40 rows, not a 1,000-row chunk.
    const matching: Record<number, string> = {};
    for (let position = 2; position <= 100_000; position += 2)
      matching[position] = 'parcel.failed';
    const source = candidates(log(100_000, matching));
    const page = await scanForPattern(FAILED, { limit: 20 }, source.reader);
    expect(page.positions).toHaveLength(20);
    expect(page.next).toBe(40);
    expect(source.read).toBeLessThanOrEqual(21 + 84);
  });

  it('sets next to the last event of a full page when another match follows', async () => {
    const source = candidates(
      log(50, { 3: 'a.failed', 7: 'b.failed', 9: 'c.failed' }),
    );
    expect(await scanForPattern(FAILED, { limit: 2 }, source.reader)).toEqual({
      positions: [3, 7],
      next: 7,
    });
  });

  it('answers next: null when the candidates run out, also on an exactly full page', async () => {
    const source = candidates(log(50, { 3: 'a.failed', 7: 'b.failed' }));
    expect(await scanForPattern(FAILED, { limit: 2 }, source.reader)).toEqual({
      positions: [3, 7],
      next: null,
    });
    expect(
      await scanForPattern(FAILED, { after: 7, limit: 2 }, source.reader),
    ).toEqual({ positions: [], next: null });
  });

  it('following next visits every match once, equal to filtering the whole log', async () => {
    const matching: Record<number, string> = {};
    for (let position = 1; position <= 40_000; position += 997)
      matching[position] = `m${position}.failed`;
    const rows = log(40_000, matching);
    const source = candidates(rows);
    const found: number[] = [];
    let after: number | undefined;
    for (let page = 0; page < 100; page++) {
      const scan = await scanForPattern(
        FAILED,
        { after, limit: 7 },
        source.reader,
      );
      found.push(...scan.positions);
      if (scan.next === null) break;
      after = scan.next;
    }
    expect(found).toEqual(
      rows.filter((row) => FAILED.matches(row.type)).map((row) => row.position),
    );
  });
  it('ends a page before its matches exceed maxBytes, keeping at least one', async () => {
    const rows = log(50, { 10: 'a.failed', 20: 'b.failed', 30: 'c.failed' });
    for (const row of rows) row.bytes = 1_000;
    const source = candidates(rows);
    const scan = await scanForPattern(
      FAILED,
      { limit: 100, maxBytes: 3_100 },
      source.reader,
    );
    expect(scan).toEqual({ positions: [10, 20], next: 20 });
    const single = await scanForPattern(
      FAILED,
      { limit: 100, maxBytes: 10 },
      source.reader,
    );
    expect(single).toEqual({ positions: [10], next: 10 });
  });
});
