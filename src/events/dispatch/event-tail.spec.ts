import { describe, expect, it } from 'vitest';
import { approximateBytes, storedEvent } from '../store/event-payload.js';
import type { StoredEvent } from '../store/stored-event.js';
import { EventTail } from './event-tail.js';

function event(position: number, payloadLength = 10): StoredEvent {
  return storedEvent(
    {
      position,
      id: `e${position}`,
      type: 'tail.test',
      source: '/test',
      subject: null,
      datacontenttype: 'application/json',
      time: '2024-01-01T00:00:00.000Z',
      streamId: null,
      streamVersion: null,
      correlationId: `e${position}`,
      causationId: null,
      metadata: {},
      recordedAt: '2024-01-01T00:00:00.000Z',
    },
    JSON.stringify('x'.repeat(payloadLength)),
  );
}

describe('EventTail', () => {
  it('keeps no more than its byte budget of large events, and says so instead of answering', () => {
    const megabyte = 1024 * 1024;
    const budget = 8 * megabyte;
    const tail = new EventTail(5_000, budget);
    tail.reset(0);
    for (let position = 1; position <= 40; position++)
      tail.append([event(position, megabyte)]);

    const kept = tail.readAfter(40 - 1, 100);
    expect(kept?.map((e) => e.position)).toEqual([40]);
    // Older positions are no longer covered: readers go to the store.
    expect(tail.readAfter(1, 100)).toBeNull();
    const covered = [];
    for (let position = 0; position < 40; position++) {
      const events = tail.readAfter(position, 100);
      if (events) covered.push(...events);
    }
    const bytes = new Set(covered).size * approximateBytes(event(1, megabyte));
    expect(bytes).toBeLessThanOrEqual(budget);
  });

  it('still keeps small events up to its count', () => {
    const tail = new EventTail(100, 64 * 1024 * 1024);
    tail.reset(0);
    for (let position = 1; position <= 150; position++)
      tail.append([event(position)]);
    expect(tail.readAfter(0, 1_000)?.length).toBe(150);
  });

  it('after an uncertain commit, covers again only from the next committed event', () => {
    const tail = new EventTail(100, 64 * 1024 * 1024);
    tail.reset(0);
    tail.append([event(1), event(2)]);
    tail.invalidate();
    expect(tail.readAfter(2, 10)).toBeNull();
    // Positions 3 and 4 may or may not be on disk; 5 is the next commit seen.
    tail.append([event(5)]);
    expect(tail.readAfter(2, 10)).toBeNull();
    expect(tail.readAfter(4, 10)?.map((e) => e.position)).toEqual([5]);
  });

  it('drops what every reader has passed, and sends readers behind that to the store', () => {
    const tail = new EventTail(100, 64 * 1024 * 1024);
    tail.reset(0);
    tail.append([event(1), event(2), event(3), event(4)]);
    tail.releaseThrough(2);
    expect(tail.readAfter(2, 10)?.map((e) => e.position)).toEqual([3, 4]);
    expect(tail.readAfter(1, 10)).toBeNull();
    // Never beyond the newest event held: a reader at the head is still covered.
    tail.releaseThrough(Number.POSITIVE_INFINITY);
    expect(tail.readAfter(4, 10)).toEqual([]);
    expect(tail.readAfter(3, 10)).toBeNull();
    tail.append([event(5)]);
    expect(tail.readAfter(4, 10)?.map((e) => e.position)).toEqual([5]);
  });
});
