/**
 * Errors the domain raises on purpose. Features subclass one of the categories below;
 * the HTTP exception filter maps a category to a status code, so no feature knows about HTTP
 * and no code matches on message text.
 */
export abstract class DomainError extends Error {
  constructor(
    message: string,
    /** Extra fields rendered into the error response (e.g. the stream's current version). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The caller sent something unacceptable; `field` names what to fix. */
export class InvalidInputError extends DomainError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message, { field });
  }
}

export class NotFoundError extends DomainError {}

/** The request contradicts the current state (duplicate key, stale version). */
export class ConflictError extends DomainError {}

/** The request carries more than the service accepts at once; `limit` says how much. */
export class TooLargeError extends DomainError {}

/** Temporarily unable to accept work; the caller should retry after a pause. */
export class UnavailableError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The caller has spent its request budget; it may try again after a pause. */
export class TooManyRequestsError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The caller did not prove who it is (no credentials, or unknown ones). */
export class UnauthenticatedError extends DomainError {
  constructor(
    message: string,
    /** The WWW-Authenticate challenge sent with the refusal (RFC 9110 11.6.1). */
    readonly challenge: string,
  ) {
    super(message, { field: 'authorization' });
  }
}

/** The caller is known but may not do this; `field` names what was refused. */
export class ForbiddenError extends DomainError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message, { field });
  }
}
