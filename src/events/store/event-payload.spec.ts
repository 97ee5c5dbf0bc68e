import { describe, expect, it } from 'vitest';
import { approximateBytes, storedEvent } from './event-payload.js';

const fields = {
  position: 7,
  id: 'e7',
  type: 'payload.test',
  source: '/test',
  subject: null,
  datacontenttype: 'application/json',
  time: '2024-01-01T00:00:00.000Z',
  streamId: null,
  streamVersion: null,
  correlationId: 'e7',
  causationId: null,
  metadata: {},
  recordedAt: '2024-01-01T00:00:00.000Z',
};

describe('storedEvent', () => {
  it('parses its payload when read, a private copy for each event', () => {
    const json = JSON.stringify({ amount: 42, lines: [1, 2] });
    const first = storedEvent(fields, json);
    const second = storedEvent(fields, json);
    expect(first.data).toEqual({ amount: 42, lines: [1, 2] });
    expect(first.data).toBe(first.data);
    expect(second.data).not.toBe(first.data);
  });

  it('shows data like any other field when spread or serialized, in the same place', () => {
    const event = storedEvent(fields, '{"amount":42}');
    const copy = { ...event };
    expect(Object.keys(copy)).toEqual([
      'position',
      'txid',
      'id',
      'type',
      'source',
      'subject',
      'datacontenttype',
      'time',
      'streamId',
      'streamVersion',
      'correlationId',
      'causationId',
      'data',
      'metadata',
      'recordedAt',
    ]);
    expect(copy.data).toEqual({ amount: 42 });
    expect(JSON.parse(JSON.stringify(event))).toMatchObject({
      id: 'e7',
      data: { amount: 42 },
    });
  });

  it('keeps what a reader assigns, and has no data without a payload', () => {
    const event = storedEvent(fields, '{"amount":42}');
    event.data = { amount: 43 };
    expect(event.data).toEqual({ amount: 43 });
    expect(storedEvent(fields, null).data).toBeUndefined();
  });

  it('counts the payload text in its approximate size', () => {
    const small = storedEvent(fields, '{}');
    const large = storedEvent(fields, JSON.stringify('x'.repeat(10_000)));
    expect(
      approximateBytes(large) - approximateBytes(small),
    ).toBeGreaterThanOrEqual(3 * 10_000);
  });
});
