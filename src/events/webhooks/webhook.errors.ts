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

/** The receiver could not be reached, or answered a status that retrying may fix (408, 429, 5xx). */
export class WebhookRetryableError extends Error {
  /**
   * The receiver's failure, never the database's: its cause may carry a socket code
   * (ECONNREFUSED) that would otherwise read as a lost database connection and pause the
   * subscription instead of counting the attempt.
   */
  readonly storageFault = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebhookRetryableError';
  }
}

/** webhooks.max_subscriptions webhooks exist already. */
export class WebhookLimitError extends ConflictError {
  constructor(limit: number) {
    super(
      `at most ${limit} webhook subscriptions may exist (webhooks.max_subscriptions); delete one first`,
      { limit },
    );
  }
}

/**
 * In production, a signing secret is stored only encrypted, under a configured key: without
 * one the webhook is refused (409: the server's configuration, not the request, is what
 * must change), and no plain-text fallback is taken.
 */
export class SecretKeyRequiredError extends ConflictError {
  constructor(setting: string) {
    super(
      `webhook signing secrets are stored encrypted and ${setting} is not configured; set it and restart to create webhooks`,
      { setting },
    );
  }
}
