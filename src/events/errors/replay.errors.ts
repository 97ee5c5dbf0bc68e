import { ConflictError } from '../../common/errors/domain-error.js';

export class NotReplayableError extends ConflictError {
  constructor(subscription: string) {
    super(
      `subscription ${subscription} is not replayable: its handler declares replayable: false because running it twice would do harm`,
      { subscription, reason: 'not_replayable' },
    );
  }
}

export class NoResetHookError extends ConflictError {
  constructor(subscription: string) {
    super(
      `subscription ${subscription} has no @OnReset method, so its read model cannot be cleared; replay a range instead`,
      { subscription, reason: 'no_reset_hook' },
    );
  }
}

export class ReplayAlreadyRunningError extends ConflictError {
  constructor(subscription: string, running: string) {
    super(
      `replay ${running} is still running for subscription ${subscription}; wait for it or cancel it`,
      { subscription, replay_id: running, reason: 'replay_running' },
    );
  }
}

export class ResetNotCancellableError extends ConflictError {
  constructor(id: string) {
    super(
      `replay ${id} is a reset: the read model is already cleared and the subscription is rebuilding it; it cannot be cancelled`,
      { id, reason: 'reset_in_progress' },
    );
  }
}

/** Several instances: another one replays to this subscription right now. */
export class ReplayRunningElsewhereError extends ConflictError {
  constructor(subscription: string) {
    super(
      `another instance is replaying to subscription ${subscription}; wait for it to finish`,
      { subscription, reason: 'replay_running' },
    );
  }
}

/** Several instances: a reset rewinds the runner, which runs on another instance. */
export class ResetElsewhereError extends ConflictError {
  constructor(subscription: string) {
    super(
      `subscription ${subscription} runs on another instance, which alone can reset it; try again (the load balancer may send the request there) or see GET /events/stats for its owner`,
      { subscription, reason: 'runs_elsewhere' },
    );
  }
}
