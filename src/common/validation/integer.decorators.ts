import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/** Stream versions are 32-bit integer columns. */
export const MAX_VERSION = 2_147_483_647;
/** Positions and other counters: the largest integer a JSON number carries exactly. */
export const MAX_POSITION = Number.MAX_SAFE_INTEGER;

export const IS_INTEGER_BETWEEN = 'isIntegerBetween';
/**
 * The same check after QueryInteger's Transform: a rule of its own name, so that a compiled
 * query schema knows the value arrives as decimal digits (see CompiledQueryPipe).
 */
export const IS_QUERY_INTEGER = 'isQueryInteger';

// Decimal digits only: no sign, exponent, hex prefix, fraction or blanks. Longer text cannot be
// a safe integer and stays text, so the rule refuses it.
export const DECIMAL_DIGITS = /^[0-9]{1,20}$/;

export function isIntegerBetween(
  value: unknown,
  min: number,
  max: number,
): value is number {
  return (
    typeof value === 'number' &&
    Number.isSafeInteger(value) &&
    value >= min &&
    value <= max
  );
}

const integerRule = (
  name: string,
  min: number,
  max: number,
  options?: ValidationOptions,
) =>
  ValidateBy(
    {
      name,
      constraints: [min, max],
      validator: {
        validate: (value) => isIntegerBetween(value, min, max),
        defaultMessage: (args) =>
          Array.isArray(args?.value)
            ? `${args?.property} must be given once`
            : `${args?.property} must be an integer from ${min} to ${max}`,
      },
    },
    options,
  );

/**
 * A whole number from `min` to `max` (a JSON number in a body). Positions, versions, counts:
 * a value a SQL integer column can hold, never a float such as 1e308.
 */
export const IsIntegerBetween = (
  min: number,
  max: number,
  options?: ValidationOptions,
) => integerRule(IS_INTEGER_BETWEEN, min, max, options);

/**
 * A query parameter holding a whole number from `min` to `max`, written in decimal digits.
 * Anything else (`10abc`, `1.5`, `-0`, ` 5`, `1e3`, `0x10`, a repeated parameter) is refused
 * instead of being read as some other number.
 */
export const QueryInteger = (
  min: number,
  max: number,
  options?: ValidationOptions,
) =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && DECIMAL_DIGITS.test(value)
        ? Number(value)
        : value,
    ),
    integerRule(IS_QUERY_INTEGER, min, max, options),
  );
