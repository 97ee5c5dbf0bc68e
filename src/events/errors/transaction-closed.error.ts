/** Code kept using a transaction after it ended (e.g. a handler that outlived its timeout). */
export class TransactionClosedError extends Error {
  constructor() {
    super(
      'this transaction has already ended; its work was committed or rolled back',
    );
    this.name = 'TransactionClosedError';
  }
}
