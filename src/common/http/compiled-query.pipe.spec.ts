import { BadRequestException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { ListEventsQuery } from '../../events/http/dto/list-events.query.js';
import { CompiledQueryPipe } from './compiled-query.pipe.js';
import { createValidationPipe } from './validation.pipe.js';

const astral = '\u{1F600}';
const variants: Record<string, unknown[]> = {
  limit: [
    '1',
    '20',
    '1000',
    '1001',
    '0',
    '-1',
    '1.5',
    '1e3',
    ' 5',
    '0x10',
    '',
    '007',
    '99999999999999999999',
    ['1', '2'],
  ],
  type: [
    'user.registered',
    'user.*',
    'user.**',
    '**.failed',
    '*',
    '',
    'a..b',
    'User.x',
    'é.x',
    'x'.repeat(256),
    Array.from({ length: 33 }, () => 'a').join('.'),
    ['a', 'b'],
  ],
  aggregate_id: [
    'order-1',
    '',
    'x'.repeat(255),
    'x'.repeat(256),
    astral.repeat(255),
    '\uFE0F',
    'a\uFE0F'.repeat(128),
    ['a', 'b'],
  ],
  correlation_id: ['c-1', '', 'x'.repeat(256), '\uFE0E'],
  since: [
    '2024-05-01T12:00:00Z',
    '2024-05-01t12:00:00.123+02:00',
    '2024-02-30T00:00:00Z',
    '0001-01-01T00:30:00+01:00',
    '2024-05-01',
    'yesterday',
    '',
  ],
  until: ['2024-05-01T12:00:00Z', '2024-13-01T00:00:00Z'],
  after: ['0', '12', '3-12', 'x'.repeat(40), 'x'.repeat(41), ''],
  order: ['asc', 'desc', 'ASC', '', ['asc', 'desc']],
};

function corpus(): Record<string, unknown>[] {
  const queries: Record<string, unknown>[] = [
    {},
    { limit: '20' },
    { type: 'user.*', order: 'desc', limit: '5', after: '7' },
    { bogus: '1' },
    { limit: '20', extra: 'x' },
  ];
  for (const [field, values] of Object.entries(variants)) {
    for (const value of values) queries.push({ limit: '20', [field]: value });
  }
  return queries;
}

describe('CompiledQueryPipe (JSON Schema compiled from a query DTO)', () => {
  const pipe = new CompiledQueryPipe(ListEventsQuery);
  const global = createValidationPipe();
  const metadata = { type: 'query', metatype: ListEventsQuery } as const;

  it('answers every query as the global ValidationPipe does: the same DTO, or the same 400', async () => {
    let accepted = 0;
    for (const query of corpus()) {
      const classic = await outcome(() =>
        global.transform({ ...query }, metadata),
      );
      const fast = await outcome(() => pipe.transform({ ...query }));
      expect({ query, fast }).toEqual({ query, fast: classic });
      if (fast.value) {
        expect(fast.value).toBeInstanceOf(ListEventsQuery);
        accepted++;
      }
    }
    expect(accepted).toBeGreaterThan(20);
  });

  it('accepts a valid query without class-validator: defaults filled, limit a number', () => {
    const query = pipe.transform({ limit: '20', type: 'user.*' });
    expect(query).not.toBeInstanceOf(Promise);
    expect(query).toEqual(
      Object.assign(new ListEventsQuery(), { limit: 20, type: 'user.*' }),
    );
  });
});

async function outcome(
  action: () => unknown,
): Promise<{ value?: unknown; error?: unknown }> {
  try {
    return { value: await action() };
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return { error: (error as BadRequestException).getResponse() };
  }
}
