import { BadRequestException } from '@nestjs/common';
import { Ajv } from 'ajv';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { PublishEventDto } from '../../events/http/dto/publish-event.dto.js';
import { CompiledBodyPipe } from './compiled-body.pipe.js';
import { createValidationPipe } from './validation.pipe.js';

const valid = {
  type: 'order.shipped',
  data: { orderId: 'o-1' },
  aggregate_id: 'order-o-1',
  id: 'evt-1',
  source: '/shipping',
  subject: 'o-1',
  time: '2024-05-01T12:00:00Z',
  expected_version: 0,
};

const astral = '\u{1F600}';
const variants: Record<string, unknown[]> = {
  type: [
    'a',
    'user.registered',
    'a-b_c.d',
    'User.x',
    'a..b',
    '',
    5,
    null,
    'x'.repeat(256),
    'é.x',
  ],
  data: [undefined, null, 1, 'text', [1, 2], { nested: { deep: true } }],
  aggregate_id: [
    undefined,
    '',
    'x'.repeat(255),
    'x'.repeat(256),
    astral.repeat(128),
    7,
    null,
  ],
  id: [undefined, '', 'a', 'x'.repeat(256), astral.repeat(200), true],
  source: [undefined, '', '/s', 12],
  subject: [undefined, '', 's', {}],
  time: [
    undefined,
    '2024-05-01T12:00:00Z',
    '2024-05-01t12:00:00.123456+02:00',
    '2024-13-01T12:00:00Z',
    '2024-05-01 12:00:00Z',
    '2024-05-01T24:00:00Z',
    '2024-05-01T12:00:00',
    'yesterday',
    1714564800,
  ],
  expected_version: [undefined, 0, 3, -1, 1.5, '2', null],
};

function corpus(): unknown[] {
  const bodies: unknown[] = [
    valid,
    { type: 'a.b' },
    {},
    { ...valid, bogus: 1 },
  ];
  for (const [field, values] of Object.entries(variants)) {
    for (const value of values) bodies.push({ ...valid, [field]: value });
  }
  return [...bodies, null, [], [valid], 'text', 42];
}

function classValidatorAccepts(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return false;
  const instance = plainToInstance(PublishEventDto, body);
  return (
    validateSync(instance, { whitelist: true, forbidNonWhitelisted: true })
      .length === 0
  );
}

describe('CompiledBodyPipe (JSON Schema compiled from the DTO)', () => {
  const pipe = new CompiledBodyPipe(PublishEventDto);
  const schemaAccepts = new Ajv({ strict: false }).compile(pipe.schema);

  it('never accepts a body that class-validator refuses', () => {
    for (const body of corpus()) {
      if (schemaAccepts(body))
        expect({ body, accepted: classValidatorAccepts(body) }).toEqual({
          body,
          accepted: true,
        });
    }
  });

  it('accepts every body class-validator accepts, except nulls in optional fields', () => {
    for (const body of corpus()) {
      const hasNull =
        typeof body === 'object' &&
        body !== null &&
        Object.values(body).includes(null);
      if (classValidatorAccepts(body) && !hasNull) {
        expect({ body, accepted: schemaAccepts(body) }).toEqual({
          body,
          accepted: true,
        });
      }
    }
  });

  it('refuses with the same 400 as the global ValidationPipe', async () => {
    const global = createValidationPipe();
    for (const body of corpus().filter(
      (candidate) => !classValidatorAccepts(candidate),
    )) {
      const fast = captureError(() => pipe.transform(body));
      const classic = await global
        .transform(body, { type: 'body', metatype: PublishEventDto })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(fast).toBeInstanceOf(BadRequestException);
      if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
        expect((fast as BadRequestException).getResponse()).toEqual(
          (classic as BadRequestException).getResponse(),
        );
      }
    }
  });

  it('passes a valid body through untouched', () => {
    expect(pipe.transform(valid)).toBe(valid);
  });
});

function captureError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}
