import {
  ConflictError,
  NotFoundError,
} from '../../common/errors/domain-error.js';

export class UserNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`user ${id} not found`, { id });
  }
}

export class EmailTakenError extends ConflictError {
  constructor(email: string) {
    super(`a user with email ${email} already exists`, { field: 'email' });
  }
}
