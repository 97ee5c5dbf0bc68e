import { ValidateIf, type ValidationOptions } from 'class-validator';

/**
 * The field may be left out, but when present it must pass its rules: unlike @IsOptional(),
 * an explicit null is validated (and refused by a type rule) instead of slipping through.
 */
export const IsOmittable = (options?: ValidationOptions) =>
  ValidateIf((_object, value) => value !== undefined, options);
