import type { Provider } from '@nestjs/common';
import { EventBus } from '../bus/event-bus.js';
import { UnitOfWork } from '../bus/unit-of-work.js';
import { RecordingEventBus } from './recording-event-bus.js';
import { RecordingUnitOfWork } from './recording-unit-of-work.js';

export { RecordingEventBus } from './recording-event-bus.js';
export { RecordingUnitOfWork } from './recording-unit-of-work.js';

/**
 * Providers that replace EventBus and UnitOfWork with in-memory recorders sharing one log.
 * Inject RecordingEventBus in the test to assert on what was published.
 */
export function provideRecordingEvents(
  bus = new RecordingEventBus(),
): Provider[] {
  return [
    { provide: RecordingEventBus, useValue: bus },
    { provide: EventBus, useValue: bus },
    { provide: UnitOfWork, useValue: new RecordingUnitOfWork(bus) },
  ];
}
