import { type PipeTransform, type Type } from '@nestjs/common';
import type { ValidateFunction } from 'ajv';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  bodyRuleSchema,
  createSchemaAjv,
  dtoSchema,
  type SchemaObject,
} from './dto-schema.js';
import {
  bodyNotAnObject,
  isJsonObject,
  validationError,
} from './validation.pipe.js';

export { createSchemaAjv } from './dto-schema.js';

const ajv = createSchemaAjv();

/**
 * Validates a JSON body against a JSON Schema compiled from the DTO's class-validator
 * decorators: the DTO stays the one source of the rules, and a valid body costs microseconds
 * instead of a class instance plus a full class-validator run. A body the schema refuses is
 * handed to class-validator, so the error names the fields exactly as everywhere else (and if
 * the two ever disagreed, class-validator's verdict wins).
 *
 * The route's parameter must not be typed with the DTO class, or the global ValidationPipe
 * would validate it a second time: type it with an interface (`PublishEventBody`).
 */
export class CompiledBodyPipe<T extends object> implements PipeTransform<
  unknown,
  T
> {
  readonly schema: SchemaObject;
  private readonly check: ValidateFunction;

  constructor(private readonly dto: Type<T>) {
    this.schema = compiledSchema(dto);
    this.check = ajv.compile(this.schema);
  }

  transform(value: unknown): T {
    if (this.check(value)) return value as T;
    if (!isJsonObject(value)) throw bodyNotAnObject();
    const instance = plainToInstance(this.dto, value as object) as T;
    const errors = validateSync(instance, {
      whitelist: true,
      forbidNonWhitelisted: true,
    });
    if (errors.length > 0) throw validationError(errors);
    return instance;
  }
}

export function compiledSchema(dto: Type<object>): SchemaObject {
  return dtoSchema(dto, bodyRuleSchema);
}
