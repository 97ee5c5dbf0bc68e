import type { Type } from '@nestjs/common';
import { Ajv } from 'ajv';
import {
  getMetadataStorage,
  IS_EMAIL,
  isEmail,
  IS_LENGTH,
  length,
  MAX_LENGTH,
  maxLength,
  MIN_LENGTH,
  minLength,
  ValidationTypes,
} from 'class-validator';
import { targetConstructorToSchema } from 'class-validator-jsonschema';
import { isRfc3339, RFC3339_PATTERN } from '../time/rfc3339.js';
import { IS_INTEGER_BETWEEN } from '../validation/integer.decorators.js';

export type SchemaObject = Record<string, unknown>;

/** What a rule's metadata says: its constraint class and the decorator's arguments. */
export interface RuleMetadata {
  constraintCls: Function;
  constraints?: unknown[];
}

/** Builds the schema of one rule of this project (a ValidateBy name) from its constraints. */
export type RuleSchema = (constraints: unknown[]) => SchemaObject;

/**
 * The schema of a custom rule (one made with ValidateBy), by its name and metadata; undefined
 * when the rule has none, and the property is then refused.
 */
export type CustomRuleSchema = (
  name: string,
  constraints: unknown[],
  constraint: ValidatorConstraintMetadata,
) => SchemaObject | undefined;

/** What class-validator registered for a custom rule's check. */
export interface ValidatorConstraintMetadata {
  name: string;
  async: boolean;
  instance: unknown;
}

const RFC3339_FORMAT = 'rfc3339-instant';
const EMAIL_FORMAT = 'class-validator-email';

/**
 * Schemas for this project's own ValidateBy rules, keyed by rule name, built from the rule's
 * constraints. Ajv formats hold the checks a regex cannot (the day exists, the year range).
 */
export const BODY_RULE_SCHEMAS: Record<string, RuleSchema> = {
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

/**
 * A rule without a known schema must never let a value through unchecked: the schema then
 * refuses the property, which sends the value down the class-validator path.
 */
export const REFUSE_UNKNOWN_RULE: SchemaObject = { not: {} };

/**
 * class-validator's own rules where the converters of class-validator-jsonschema would check
 * less: their `format: email` is unknown to Ajv, which then ignores it, and Ajv's minLength and
 * maxLength count code points where class-validator (validator.js isLength) leaves surrogate
 * pairs and emoji presentation selectors out: the two would disagree on a text holding U+FE0F.
 */
const BUILT_IN_CONVERTERS: Record<
  string,
  (rule: RuleMetadata) => SchemaObject
> = {
  // IsEmail() as class-validator checks it; with options of its own, class-validator decides.
  [IS_EMAIL]: ({ constraints = [] }) =>
    constraints[0] === undefined
      ? { type: 'string', format: EMAIL_FORMAT }
      : REFUSE_UNKNOWN_RULE,
  [IS_LENGTH]: ({ constraints = [] }) => ({
    type: 'string',
    textLength: constraints.slice(0, 2),
  }),
  [MIN_LENGTH]: ({ constraints = [] }) => ({
    type: 'string',
    textMinLength: constraints[0],
  }),
  [MAX_LENGTH]: ({ constraints = [] }) => ({
    type: 'string',
    textMaxLength: constraints[0],
  }),
};

/**
 * The Ajv instance that checks compiled schemas, with the formats and keywords the converters
 * above use.
 */
export function createSchemaAjv(): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: false });
  ajv.addFormat(RFC3339_FORMAT, { type: 'string', validate: isRfc3339 });
  ajv.addFormat(EMAIL_FORMAT, {
    type: 'string',
    validate: (value) => isEmail(value),
  });
  ajv.addKeyword({
    keyword: 'textLength',
    type: 'string',
    validate: ([min, max]: number[], value: string) => length(value, min, max),
  });
  ajv.addKeyword({
    keyword: 'textMinLength',
    type: 'string',
    validate: (min: number, value: string) => minLength(value, min),
  });
  ajv.addKeyword({
    keyword: 'textMaxLength',
    type: 'string',
    validate: (max: number, value: string) => maxLength(value, max),
  });
  return ajv;
}

/** A body's custom rules: those of BODY_RULE_SCHEMAS. */
export const bodyRuleSchema: CustomRuleSchema = (name, constraints) =>
  BODY_RULE_SCHEMAS[name]?.(constraints);

/**
 * The JSON Schema of a DTO's class-validator decorators, unknown fields refused (as
 * forbidNonWhitelisted does). `customRule` gives the schemas of ValidateBy rules; a rule it
 * has none for refuses its property.
 */
export function dtoSchema(
  dto: Type<object>,
  customRule: CustomRuleSchema,
): SchemaObject {
  const converters = {
    ...BUILT_IN_CONVERTERS,
    [ValidationTypes.CUSTOM_VALIDATION]: (meta: RuleMetadata) => {
      const [constraint] = getMetadataStorage().getTargetValidatorConstraints(
        meta.constraintCls,
      ) as ValidatorConstraintMetadata[];
      const schema =
        constraint &&
        customRule(constraint.name, meta.constraints ?? [], constraint);
      return schema ?? REFUSE_UNKNOWN_RULE;
    },
  };
  const schema = targetConstructorToSchema(dto, {
    additionalConverters: converters,
  }) as SchemaObject;
  return { ...schema, additionalProperties: false };
}
