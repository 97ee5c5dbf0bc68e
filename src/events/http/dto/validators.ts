import { ValidateBy, type ValidationOptions } from 'class-validator';
import { EventPattern } from '../../event-pattern.js';

export { IsRfc3339 } from '../../../common/validation/time.decorators.js';

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
