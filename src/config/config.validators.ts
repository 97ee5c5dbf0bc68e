import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationOptions } from 'class-validator';
import { parseDurationMs } from './duration.js';

/** Turns `30s`-style strings into milliseconds; leaves anything else for the validator to reject. */
export const DurationMs = () =>
  Transform(({ value }: { value: unknown }) => parseDurationMs(value) ?? value);

export const IsDurationMs = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isDurationMs',
      validator: {
        validate: (value) => typeof value === 'number' && value >= 0,
        defaultMessage: (args) =>
          `${args?.property} must be a duration such as 500ms, 30s or 2m`,
      },
    },
    options,
  );

/** Environment variables arrive as strings: accept true/false/1/0/yes/no. */
export const BooleanFlag = () =>
  Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    const normalized = value.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
    if (['false', '0', 'no', 'off'].includes(normalized)) return false;
    return value;
  });

/** A list that an environment variable gives as `a,b,c`. */
export const CommaSeparatedList = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean)
      : value,
  );
