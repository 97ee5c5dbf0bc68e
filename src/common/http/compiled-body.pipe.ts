import { type PipeTransform, type Type } from '@nestjs/common';
import { Ajv, type ValidateFunction } from 'ajv';
import { plainToInstance } from 'class-transformer';
import {
  getMetadataStorage,
  validateSync,
  ValidationTypes,
} from 'class-validator';
import { targetConstructorToSchema } from 'class-validator-jsonschema';
import { isRfc3339, RFC3339_PATTERN } from '../time/rfc3339.js';
import { IS_INTEGER_BETWEEN } from '../validation/integer.decorators.js';
import {
  bodyNotAnObject,
  isJsonObject,
  validationError,
} from './validation.pipe.js';

type SchemaObject = Record<string, unknown>;

const RFC3339_FORMAT = 'rfc3339-instant';

// Schemas for this project's own ValidateBy rules, keyed by rule name, built from the rule's
// constraints. Ajv formats hold the checks a regex cannot (the day exists, the year range).
const CUSTOM_RULE_SCHEMAS: Record<
  string,
  (constraints: unknown[]) => SchemaObject
> = {
  isRfc3339: () => ({
    type: 'string',
    pattern: RFC3339_PATTERN,
    format: RFC3339_FORMAT,
  }),
  [IS_INTEGER_BETWEEN]: ([minimum, maximum]) => ({
    type: 'integer',
    minimum,
    maximum,
  }),
};

// A rule without a known schema must never let a value through unchecked: the schema then
// refuses the property, which sends the body down the class-validator path.
const REFUSE_UNKNOWN_RULE: SchemaObject = { not: {} };

const converters = {
  [ValidationTypes.CUSTOM_VALIDATION]: (meta: {
    constraintCls: Function;
    constraints?: unknown[];
  }) => {
    const [constraint] = getMetadataStorage().getTargetValidatorConstraints(
      meta.constraintCls,
    );
    const schema = constraint && CUSTOM_RULE_SCHEMAS[constraint.name];
    return schema ? schema(meta.constraints ?? []) : REFUSE_UNKNOWN_RULE;
  },
};

/**
 * The Ajv instance that checks compiled schemas. Ajv counts string length in code points, as
 * class-validator (validator.js isLength) does.
 */
export function createSchemaAjv(): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: false });
  ajv.addFormat(RFC3339_FORMAT, { type: 'string', validate: isRfc3339 });
  return ajv;
}

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
  const schema = targetConstructorToSchema(dto, {
    additionalConverters: converters,
  }) as SchemaObject;
  // forbidNonWhitelisted: unknown fields are refused.
  return { ...schema, additionalProperties: false };
}
