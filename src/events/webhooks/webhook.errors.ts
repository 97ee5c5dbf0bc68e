import {
  ConflictError,
  NotFoundError,
} from '../../common/errors/domain-error.js';

export class WebhookNotFoundError extends NotFoundError {
  constructor(name: string) {
    super(`webhook subscription ${name} does not exist`, { name });
  }
}

export class WebhookExistsError extends ConflictError {
  constructor(name: string) {
    super(`webhook subscription ${name} already exists`, { name });
  }
}

/** The receiver answered with a status that retrying may fix (408, 429, 5xx). */
export class WebhookRetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebhookRetryableError';
  }
}
