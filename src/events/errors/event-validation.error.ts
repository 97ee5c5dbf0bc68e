import { InvalidInputError } from '../../common/errors/domain-error.js';

/** An event broke an envelope rule or its type's payload schema; nothing was stored. */
export class EventValidationError extends InvalidInputError {}
