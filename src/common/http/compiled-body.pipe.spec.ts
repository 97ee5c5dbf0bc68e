import { BadRequestException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { PublishEventDto } from '../../events/http/dto/publish-event.dto.js';
import { CreateUserDto } from '../../users/handler/dto/create-user.dto.js';
import { CompiledBodyPipe, createSchemaAjv } from './compiled-body.pipe.js';
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
    // class-validator does not count emoji presentation selectors; Ajv's maxLength would.
    '\uFE0F',
    'a\uFE0F'.repeat(128),
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
    '2024-02-30T00:00:00Z',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
    '0001-01-01T00:30:00+01:00',
    '9999-12-31T23:59:59-23:59',
    'yesterday',
    1714564800,
  ],
  expected_version: [
    undefined,
    0,
    3,
    2_147_483_647,
    2_147_483_648,
    2 ** 53,
    1e308,
    -1,
    1.5,
    '2',
    null,
  ],
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
  const schemaAccepts = createSchemaAjv().compile(pipe.schema);

  it('never accepts a body that class-validator refuses', () => {
    const accepted = corpus().filter((body) => schemaAccepts(body));
    expect(accepted.length).toBeGreaterThan(0);
    for (const body of accepted) {
      expect({ body, accepted: classValidatorAccepts(body) }).toEqual({
        body,
        accepted: true,
      });
    }
  });

  it('accepts every body class-validator accepts, except nulls in optional fields', () => {
    const accepted = corpus().filter(
      (body) => classValidatorAccepts(body) && !hasNullField(body),
    );
    expect(accepted.length).toBeGreaterThan(0);
    for (const body of accepted) {
      expect({ body, accepted: schemaAccepts(body) }).toEqual({
        body,
        accepted: true,
      });
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

function hasNullField(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    Object.values(body).includes(null)
  );
}

function captureError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('CompiledBodyPipe with IsEmail (CreateUserDto)', () => {
  const pipe = new CompiledBodyPipe(CreateUserDto);
  const schemaAccepts = createSchemaAjv().compile(pipe.schema);
  const emails = [
    'ada@example.com',
    'Ada.Lovelace+tag@sub.example.co.uk',
    'not-an-email',
    'a@b',
    '@example.com',
    'ada@',
    'ada@example..com',
    'ada @example.com',
    '"quoted"@example.com',
    'ada@[127.0.0.1]',
    `${'x'.repeat(65)}@example.com`,
    `ada@${'x'.repeat(300)}.com`,
    '',
    42,
  ];

  it('accepts exactly the emails class-validator accepts', () => {
    let accepted = 0;
    for (const email of emails) {
      const body = { email, name: 'Ada' };
      const instance = plainToInstance(CreateUserDto, body);
      const classic =
        validateSync(instance, { whitelist: true, forbidNonWhitelisted: true })
          .length === 0;
      expect({ email, accepted: schemaAccepts(body) }).toEqual({
        email,
        accepted: classic,
      });
      if (classic) accepted++;
    }
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(emails.length);
  });
});
