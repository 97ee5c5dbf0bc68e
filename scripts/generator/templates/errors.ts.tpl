import { NotFoundError } from '../../common/errors/domain-error.js';

export class {{Item}}NotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`{{itemWords}} ${id} not found`, { id });
  }
}
