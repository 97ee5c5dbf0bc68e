// What a replay asks for, and the checks that refuse contradictory requests with a 400 naming the field.
import { InvalidInputError } from '../../common/errors/domain-error.js';

export interface ReplayRequest {
  subscription: string;
  /** First position to replay (inclusive); or `since`, an event time. */
  fromPosition?: number;
  /** Last position to replay (inclusive; default: the head when the replay starts); or `until`. */
  toPosition?: number;
  since?: string;
  until?: string;
  /** Event types or patterns, narrowing the subscription's own. */
  types?: string[];
  aggregateId?: string;
  /** Clear the read model (@OnReset) and rebuild it from position 0. */
  reset?: boolean;
}

export function assertResetAlone(request: ReplayRequest): void {
  const ranged: [keyof ReplayRequest, string][] = [
    ['fromPosition', 'from_position'],
    ['toPosition', 'to_position'],
    ['since', 'since'],
    ['until', 'until'],
    ['types', 'types'],
    ['aggregateId', 'aggregate_id'],
  ];
  for (const [key, field] of ranged) {
    if (request[key] !== undefined) {
      throw new InvalidInputError(
        field,
        `${field} cannot be combined with reset: a reset rebuilds the read model from the whole log`,
      );
    }
  }
}

export function assertRangeConsistent(request: ReplayRequest): void {
  if (request.fromPosition !== undefined && request.since !== undefined) {
    throw new InvalidInputError(
      'since',
      'from_position and since are alternatives: give one of them',
    );
  }
  if (request.toPosition !== undefined && request.until !== undefined) {
    throw new InvalidInputError(
      'until',
      'to_position and until are alternatives: give one of them',
    );
  }
  if (
    request.fromPosition !== undefined &&
    request.toPosition !== undefined &&
    request.fromPosition > request.toPosition
  ) {
    throw new InvalidInputError(
      'to_position',
      'to_position must not be below from_position',
    );
  }
  if (
    request.since !== undefined &&
    request.until !== undefined &&
    Date.parse(request.since) >= Date.parse(request.until)
  ) {
    throw new InvalidInputError('until', 'until must be later than since');
  }
}
