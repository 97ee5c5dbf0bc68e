import { ValidateBy, type ValidationOptions } from 'class-validator';

export const HAS_DECIMAL_PLACES = 'hasDecimalPlaces';

/**
 * A finite number with at most `places` decimal places, such as a price in a currency's major
 * unit. class-validator's own `maxDecimalPlaces` reads the digits off `toString()` and throws on
 * a number written in exponent notation (`1e-7`), which turned a client's value into a 500.
 */
export const HasDecimalPlaces = (places: number, options?: ValidationOptions) =>
  ValidateBy(
    {
      name: HAS_DECIMAL_PLACES,
      constraints: [places],
      validator: {
        validate: (value) =>
          typeof value === 'number' &&
          Number.isFinite(value) &&
          Number(value.toFixed(places)) === value,
        defaultMessage: (args) =>
          `${args?.property} must be a number with at most ${places} decimal places`,
      },
    },
    options,
  );
