import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import { readInboundMessage } from './inbound-message.js';

const bytes = (text: string) => new TextEncoder().encode(text);

const event = {
  specversion: '1.0',
  id: 'e-1',
  source: '/shipping',
  type: 'shipment.sent',
  data: { parcel: 7 },
};

describe('readInboundMessage', () => {
  it('reads a structured CloudEvent into an event for the bus', () => {
    const [incoming] = readInboundMessage(
      bytes(JSON.stringify({ ...event, correlationid: 'c-1' })),
      'application/cloudevents+json; charset=utf-8',
    );
    expect(incoming.event).toMatchObject({
      id: 'e-1',
      source: '/shipping',
      type: 'shipment.sent',
      data: { parcel: 7 },
    });
    expect(incoming.correlationId).toBe('c-1');
  });

  it('drops the attributes the sending store assigned (its log coordinates)', () => {
    const [incoming] = readInboundMessage(
      bytes(
        JSON.stringify({
          ...event,
          position: 41,
          streamversion: 3,
          recordedat: '2026-01-01T00:00:00.000Z',
        }),
      ),
      undefined,
    );
    expect(incoming.event.extensions).toEqual({});
  });

  it('reads a JSON array as a batch', () => {
    const batch = readInboundMessage(
      bytes(JSON.stringify([event, { ...event, id: 'e-2' }])),
      undefined,
    );
    expect(batch.map((item) => item.event.id)).toEqual(['e-1', 'e-2']);
    expect(batch[1].at('type')).toBe('[1].type');
  });

  it.each([
    ['bytes that are not UTF-8', new Uint8Array([0xff, 0xfe, 0x7b]), 'body'],
    ['text that is not JSON', bytes('{"id": '), 'body'],
    [
      'JSON nested 200 levels deep',
      bytes('['.repeat(200) + ']'.repeat(200)),
      'body',
    ],
    ['a JSON scalar', bytes('42'), 'body'],
    [
      'an event without source',
      bytes(JSON.stringify({ ...event, source: undefined })),
      'source',
    ],
    [
      'an upper-case type',
      bytes(JSON.stringify({ ...event, type: 'Shipment.Sent' })),
      'type',
    ],
  ])('refuses %s, naming the field', (_, body, field) => {
    let refusal: unknown;
    try {
      readInboundMessage(body, undefined);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(InvalidInputError);
    expect((refusal as InvalidInputError).field).toBe(field);
  });
});
