import { NotFoundError } from '../../common/errors/domain-error.js';

export class EventNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`event ${id} not found`, { id });
  }
}

export class StreamNotFoundError extends NotFoundError {
  constructor(streamId: string) {
    super(`stream ${streamId} has no events`, { stream_id: streamId });
  }
}

export class SubscriptionNotFoundError extends NotFoundError {
  constructor(name: string) {
    super(`subscription ${name} does not exist`, { subscription: name });
  }
}

export class DeadLetterNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`dead letter ${id} not found`, { id });
  }
}

export class ReplayNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`replay ${id} not found`, { id });
  }
}
