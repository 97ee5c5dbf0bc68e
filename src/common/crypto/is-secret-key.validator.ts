import { ValidateBy, type ValidationOptions } from 'class-validator';
import { decodeSecretKey, SECRET_KEY_BYTES } from './secret-box.js';

/** Base64 (standard alphabet, padded) of exactly 32 bytes: an AES-256 key. */
export const IsSecretKey = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isSecretKey',
      validator: {
        validate: (value) =>
          typeof value === 'string' && decodeSecretKey(value) !== undefined,
        defaultMessage: (args) =>
          `${args?.property} must be the base64 of exactly ${SECRET_KEY_BYTES} random bytes (openssl rand -base64 32)`,
      },
    },
    options,
  );
