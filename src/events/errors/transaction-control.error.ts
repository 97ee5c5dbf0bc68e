/**
 * A unit of work called startTransaction, commitTransaction, rollbackTransaction or release on
 * its query runner. The writer owns that transaction (the group's, a savepoint per unit) and
 * counts its depth: a call from inside a unit would turn the group's COMMIT into a RELEASE
 * SAVEPOINT and hand the connection back still inside the transaction.
 */
export class TransactionControlError extends Error {
  constructor(readonly operation: string) {
    super(
      `a unit of work cannot call ${operation}(): the writer starts and ends its transaction; return to commit the unit, throw to roll it back`,
    );
    this.name = 'TransactionControlError';
  }
}
