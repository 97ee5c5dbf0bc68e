import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isFullDate, isRfc3339 } from '../time/rfc3339.js';

/** An RFC 3339 date-time with offset whose instant falls in the years 0001 to 9999 (UTC). */
export const IsRfc3339 = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isRfc3339',
      validator: {
        validate: (value) => isRfc3339(value),
        defaultMessage: (args) =>
          `${args?.property} must be an RFC 3339 timestamp such as 2024-05-01T12:00:00Z, in the years 0001 to 9999 (UTC)`,
      },
    },
    options,
  );

/** A calendar day written YYYY-MM-DD (RFC 3339 full-date), in the years 0001 to 9999. */
export const IsFullDate = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isFullDate',
      validator: {
        validate: (value) => isFullDate(value),
        defaultMessage: (args) =>
          `${args?.property} must be a day as YYYY-MM-DD, in the years 0001 to 9999`,
      },
    },
    options,
  );
