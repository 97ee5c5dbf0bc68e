import type { Provider } from '@nestjs/common';
import { EventBus } from '../bus/event-bus.js';
import { UnitOfWork } from '../bus/unit-of-work.js';
import { CommandHandler } from '../sourcing/command-handler.js';
import { EventStreams } from '../sourcing/event-streams.js';
import { RecordingEventBus } from './recording-event-bus.js';

export {
  RecordingEventBus,
  type RecordingEventBusOptions,
} from './recording-event-bus.js';
export { DeciderSpecification } from './decider-specification.js';
export {
  HandlerSpecification,
  type HandlerDelivery,
} from './handler-specification.js';
export { SagaSpecification, type GivenSaga } from './saga-specification.js';

/**
 * Providers that replace the platform's EventBus, UnitOfWork, EventStreams and CommandHandler
 * with the recording bus and its companions, all over one in-memory log. Inject
 * RecordingEventBus in the test to assert on what was published.
 */
export function provideRecordingEvents(
  bus = new RecordingEventBus(),
): Provider[] {
  return [
    { provide: RecordingEventBus, useValue: bus },
    { provide: EventBus, useValue: bus },
    { provide: UnitOfWork, useValue: bus.unitOfWork },
    { provide: EventStreams, useValue: bus.streams },
    { provide: CommandHandler, useValue: bus.commands },
  ];
}
