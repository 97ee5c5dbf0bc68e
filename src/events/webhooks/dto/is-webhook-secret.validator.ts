import { ValidateBy, type ValidationOptions } from 'class-validator';
import { parseSecret, SECRET_RULE } from '../webhook-secret.js';

/** A Standard Webhooks `whsec_` secret of 24 to 64 bytes. */
export const IsWebhookSecret = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isWebhookSecret',
      validator: {
        validate: (value) =>
          typeof value === 'string' && parseSecret(value) !== undefined,
        defaultMessage: () => SECRET_RULE,
      },
    },
    options,
  );
