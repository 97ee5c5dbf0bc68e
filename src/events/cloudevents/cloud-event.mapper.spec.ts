import { describe, expect, it } from 'vitest';
import { storedEvent, type StoredEventFields } from '../store/event-payload.js';
import { cloudEventJson, toCloudEvent } from './cloud-event.mapper.js';

const fields: StoredEventFields = {
  position: 7,
  id: 'evt-1',
  type: 'order.shipped',
  source: '/shipping',
  subject: null,
  datacontenttype: 'application/json',
  time: '2024-05-01T12:00:00.000Z',
  streamId: null,
  streamVersion: null,
  correlationId: 'evt-1',
  causationId: null,
  metadata: {},
  recordedAt: '2024-05-01T12:00:00.123Z',
};

const variants: Partial<StoredEventFields>[] = [
  {},
  { subject: 'o-1', streamId: 'order-o-1', streamVersion: 3 },
  { causationId: 'evt-0', correlationId: 'corr-"quoted"\\' },
  { metadata: { actor: 'bench', traceparent: '00-abc-def-01' } },
  { metadata: { extensions: { tenant: 'acme', priority: 3, urgent: true } } },
  { metadata: { dataschema: 'https://example.com/schema.json' } },
  { id: 'é\u2028\u0007\t\u{1F600}', source: '/s</script>' },
  { datacontenttype: 'text/plain' },
];

// Each payload as the store writes it: JSON.stringify of what was published.
const payloads: unknown[] = [
  undefined,
  null,
  0,
  -0,
  1e21,
  1.5e-7,
  'text',
  'lone \ud800 surrogate, escapes \u0000 \u001f " \\ / \u2028',
  [1, 'two', { three: 3 }],
  { orderId: 'o-1', nested: { deep: [true, false, null] }, 10: 'ten', b: 1 },
  { __proto__: 'not a prototype', constructor: 1 },
  {},
  [],
];

describe('cloudEventJson', () => {
  it('writes the text JSON.stringify(toCloudEvent(event)) gives, from the fields and the stored payload', () => {
    let checked = 0;
    for (const variant of variants) {
      for (const data of payloads) {
        const json = data === undefined ? null : JSON.stringify(data);
        const expected = JSON.stringify(
          toCloudEvent(storedEvent({ ...fields, ...variant }, json)),
        );
        expect(cloudEventJson({ ...fields, ...variant }, json)).toBe(expected);
        checked++;
      }
    }
    expect(checked).toBe(variants.length * payloads.length);
  });

  it('writes base64 data as data_base64', () => {
    const event = storedEvent(
      { ...fields, metadata: { dataBase64: true } },
      JSON.stringify('aGVsbG8='),
    );
    const text = cloudEventJson(event, JSON.stringify('aGVsbG8='));
    expect(text).toBe(JSON.stringify(toCloudEvent(event)));
    expect(JSON.parse(text)).toMatchObject({ data_base64: 'aGVsbG8=' });
    expect(JSON.parse(text)).not.toHaveProperty('data');
  });
});
