import {
  ConflictError,
  NotFoundError,
} from '../../common/errors/domain-error.js';

export class UserNotFoundError extends NotFoundError {
  constructor(id: string, deletedAtVersion?: number) {
    super(
      deletedAtVersion === undefined
        ? `user ${id} not found`
        : `user ${id} was deleted at version ${deletedAtVersion}`,
      { id },
    );
  }
}

export class UserVersionNotFoundError extends NotFoundError {
  constructor(id: string, version: number, currentVersion: number) {
    super(
      `user ${id} has no version ${version}: its current version is ${currentVersion}`,
      { id, field: 'at_version', current_version: currentVersion },
    );
  }
}

export class EmailTakenError extends ConflictError {
  constructor(email: string) {
    super(`a user with email ${email} already exists`, { field: 'email' });
  }
}

/** The id already has a stream: a user is registered once. */
export class UserAlreadyRegisteredError extends ConflictError {
  constructor(id: string) {
    super(`user ${id} is already registered`, { id });
  }
}
