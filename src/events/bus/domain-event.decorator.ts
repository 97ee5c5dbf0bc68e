import { isValidEventType } from '../patterns/event-pattern.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any constructor signature qualifies
export type EventClass<T extends object = object> = new (...args: any[]) => T;

const EVENT_TYPE = Symbol('domain-event:type');
const classesByType = new Map<string, EventClass>();

/**
 * Names an event class with its stable wire type. The type, not the class name, is stored,
 * so the class can be renamed or moved without migrating the log. Fields carry
 * class-validator decorators: they are the payload schema checked on every publish.
 */
export function DomainEvent(type: string): ClassDecorator {
  if (!isValidEventType(type)) {
    throw new Error(
      `@DomainEvent(${JSON.stringify(type)}): not a valid event type`,
    );
  }
  return (target) => {
    const existing = classesByType.get(type);
    if (existing && existing !== (target as unknown)) {
      throw new Error(
        `@DomainEvent(${type}) is declared twice: ${existing.name} and ${target.name}`,
      );
    }
    Reflect.defineMetadata(EVENT_TYPE, type, target);
    classesByType.set(type, target as unknown as EventClass);
  };
}

export function eventTypeOf(eventClass: Function): string | undefined {
  return Reflect.getMetadata(EVENT_TYPE, eventClass) as string | undefined;
}

/** Whether a class in this application declares `type` (with @DomainEvent). */
export function isDeclaredEventType(type: string): boolean {
  return classesByType.has(type);
}

/** The class declared for a wire type, if any: its fields validate payloads published under that type. */
export function eventClassFor(type: string): EventClass | undefined {
  return classesByType.get(type);
}
