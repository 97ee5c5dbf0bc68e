import {
  BadRequestException,
  ValidationPipe,
  type ArgumentMetadata,
  type ValidationError,
} from '@nestjs/common';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * class-validator DTOs are the single source of request rules. Unknown fields are refused,
 * and the error names every offending field by its path (`items.0.quantity`).
 */
export function createValidationPipe(): ValidationPipe {
  return new RequestValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: validationError,
  });
}

/** A DTO body must be a JSON object; arrays and scalars get one clear error. */
class RequestValidationPipe extends ValidationPipe {
  override async transform(
    value: unknown,
    metadata: ArgumentMetadata,
  ): Promise<unknown> {
    const isDtoBody =
      metadata.type === 'body' &&
      metadata.metatype !== undefined &&
      metadata.metatype !== Object;
    if (isDtoBody && !isJsonObject(value)) throw bodyNotAnObject();
    return super.transform(value, metadata);
  }
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function bodyNotAnObject(): BadRequestException {
  const message = 'the request body must be a JSON object';
  return new BadRequestException({
    message,
    field: 'body',
    errors: [{ field: 'body', message }],
  });
}

/**
 * The 400 for class-validator errors: one message naming every field, `field` naming the
 * first (as every other 400 does), and the list.
 */
export function validationError(
  errors: ValidationError[],
): BadRequestException {
  const fields = errors.flatMap((error) => flatten(error, ''));
  return new BadRequestException({
    message: fields.map((field) => field.message).join('; '),
    field: fields[0]?.field ?? 'body',
    errors: fields,
  });
}

export function flatten(error: ValidationError, parent: string): FieldError[] {
  const field = parent ? `${parent}.${error.property}` : error.property;
  const own = Object.entries(error.constraints ?? {}).map(
    ([rule, message]) => ({
      field: field || 'body',
      message: describe(rule, message, field, error.property),
    }),
  );
  return [
    ...own,
    ...(error.children ?? []).flatMap((child) => flatten(child, field)),
  ];
}

function describe(
  rule: string,
  message: string,
  field: string,
  property: string,
): string {
  if (rule === 'whitelistValidation')
    return `${field} is not an accepted field`;
  if (rule === 'unknownValue') return 'the request body must be a JSON object';
  // class-validator starts messages with the bare property name; use the full path instead.
  return property && message.startsWith(`${property} `)
    ? `${field}${message.slice(property.length)}`
    : message;
}
