import { UnavailableError } from '../../common/errors/domain-error.js';

/** More events wait for commit than event.bus.buffer_size allows. */
export class BufferFullError extends UnavailableError {
  constructor(limit: number) {
    super(
      `the commit buffer is full (${limit} events waiting); retry shortly`,
      1,
    );
  }
}

/** The application is shutting down and accepts no new writes. */
export class ShuttingDownError extends UnavailableError {
  constructor() {
    super('the service is shutting down; retry on another instance', 5);
  }
}
