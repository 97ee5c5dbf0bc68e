import {
  type ArgumentMetadata,
  type PipeTransform,
  type Type,
} from '@nestjs/common';
import type { ValidateFunction } from 'ajv';
import type { ValidationArguments } from 'class-validator';
import {
  DECIMAL_DIGITS,
  IS_QUERY_INTEGER,
  isIntegerBetween,
} from '../validation/integer.decorators.js';
import {
  bodyRuleSchema,
  createSchemaAjv,
  dtoSchema,
  type CustomRuleSchema,
  type SchemaObject,
} from './dto-schema.js';
import { createValidationPipe } from './validation.pipe.js';

/** A text rule's own check, as its decorator registered it (see the `textRule` keyword). */
interface TextRule {
  validate(value: unknown, args: ValidationArguments): unknown;
  constraints: unknown[];
}

const textRules: TextRule[] = [];

const ajv = createSchemaAjv();
ajv.addKeyword({
  keyword: 'queryInteger',
  type: 'string',
  // QueryInteger's Transform reads decimal digits only; its rule then bounds the number.
  validate: ([min, max]: number[], value: string) =>
    DECIMAL_DIGITS.test(value) && isIntegerBetween(Number(value), min, max),
});
ajv.addKeyword({
  keyword: 'textRule',
  type: 'string',
  validate: (index: number, value: string, _schema, data) => {
    const rule = textRules[index];
    // Anything but a plain true (a promise of an asynchronous check) leaves the verdict to
    // class-validator.
    return (
      rule.validate(value, {
        value,
        constraints: rule.constraints,
        targetName: '',
        object: (data?.parentData ?? {}) as object,
        property: String(data?.parentDataProperty ?? ''),
      }) === true
    );
  },
});

/**
 * A query string's values are text. QueryInteger fields arrive as decimal digits; this
 * project's other rules (an event type pattern, for one) check the text with their own
 * validate function, the one class-validator would call.
 */
const queryRuleSchema: CustomRuleSchema = (name, constraints, constraint) => {
  if (name === IS_QUERY_INTEGER)
    return { type: 'string', queryInteger: constraints };
  const known = bodyRuleSchema(name, constraints, constraint);
  if (known || constraint.async) return known;
  const { validate } = constraint.instance as Pick<TextRule, 'validate'>;
  textRules.push({
    validate: (value, args) => validate.call(constraint.instance, value, args),
    constraints,
  });
  return { type: 'string', textRule: textRules.length - 1 };
};

const validationPipe = createValidationPipe();

/**
 * CompiledBodyPipe for a query string: checks the parameters against a JSON Schema compiled
 * from the query DTO's class-validator decorators, then builds the DTO as class-transformer
 * would (its defaults, the parameters given, QueryInteger fields as numbers) without running
 * class-transformer and class-validator on every request. A query the schema refuses goes
 * through the global ValidationPipe, so its verdict and its 400 stay those of every other
 * route.
 *
 * The route's parameter must not be typed with the DTO class, or the global ValidationPipe
 * would validate it a second time: type it with the DTO's fields (`QueryFields<Dto>`).
 */
export class CompiledQueryPipe<T extends object> implements PipeTransform<
  unknown,
  T | Promise<T>
> {
  readonly schema: SchemaObject;
  private readonly check: ValidateFunction;
  private readonly integers: Set<string>;
  private readonly metadata: ArgumentMetadata;

  constructor(private readonly dto: Type<T>) {
    this.schema = dtoSchema(dto, queryRuleSchema);
    this.check = ajv.compile(this.schema);
    const properties = (this.schema.properties ?? {}) as Record<
      string,
      SchemaObject
    >;
    this.integers = new Set(
      Object.keys(properties).filter(
        (name) => properties[name].queryInteger !== undefined,
      ),
    );
    this.metadata = { type: 'query', metatype: dto };
  }

  transform(value: unknown): T | Promise<T> {
    if (!this.check(value))
      return validationPipe.transform(value, this.metadata) as Promise<T>;
    const query = value as Record<string, unknown>;
    const instance = new this.dto() as Record<string, unknown>;
    for (const name of Object.keys(query)) {
      instance[name] = this.integers.has(name)
        ? Number(query[name])
        : query[name];
    }
    return instance as T;
  }
}

/** The fields of a query DTO, without its class: keeps the global ValidationPipe off the route. */
export type QueryFields<T> = { [K in keyof T]: T[K] };
