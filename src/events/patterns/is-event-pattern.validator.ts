import { ValidateBy, type ValidationOptions } from 'class-validator';
import { EventPattern } from './event-pattern.js';

/** An event type or pattern within EventPattern's rules and size limits. */
export const IsEventPattern = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isEventPattern',
      validator: {
        validate: (value) =>
          typeof value === 'string' &&
          EventPattern.problemWith(value) === undefined,
        defaultMessage: (args) =>
          `${args?.property} ${problemOf(args?.value) ?? 'must be an event type or a pattern where * matches one segment and ** one or more'} (e.g. user.*)`,
      },
    },
    options,
  );

/** The first problem of a pattern, or of a list of them (validated with `each`). */
function problemOf(value: unknown): string | undefined {
  const values: unknown[] = Array.isArray(value) ? value : [value];
  for (const item of values) {
    if (typeof item !== 'string') continue;
    const problem = EventPattern.problemWith(item);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
