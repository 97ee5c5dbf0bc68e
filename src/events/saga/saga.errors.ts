export class SagaStepTimeoutError extends Error {
  constructor(saga: string, step: string, timeoutMs: number) {
    super(`${saga} step ${step} did not finish within ${timeoutMs}ms`);
    this.name = 'SagaStepTimeoutError';
  }
}

/** Another driver committed a transition first; this one stands down. */
export class StaleSagaError extends Error {
  constructor(saga: string, id: string) {
    super(`${saga} ${id} was advanced by someone else`);
    this.name = 'StaleSagaError';
  }
}
