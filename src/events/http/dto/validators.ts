import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isRfc3339 } from '../../../common/time/rfc3339.js';
import { EventPattern } from '../../event-pattern.js';

export const IsRfc3339 = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isRfc3339',
      validator: {
        validate: (value) => isRfc3339(value),
        defaultMessage: (args) =>
          `${args?.property} must be an RFC 3339 timestamp such as 2024-05-01T12:00:00Z`,
      },
    },
    options,
  );

export const IsEventPattern = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isEventPattern',
      validator: {
        validate: (value) => {
          if (typeof value !== 'string') return false;
          try {
            EventPattern.parse(value);
            return true;
          } catch {
            return false;
          }
        },
        defaultMessage: (args) =>
          `${args?.property} must be an event type or a pattern where * matches one segment and ** one or more (e.g. user.*)`,
      },
    },
    options,
  );
