import { Inject, Injectable, Module } from '@nestjs/common';
import {
  EventBus,
  EventsModule,
  OnDomainEvent,
  type StoredEvent,
} from '../../src/events/index.js';

/**
 * Durable handlers for tests:
 * - `probe.chain` answers every `probe.ping` by publishing a `probe.pong`;
 * - `probe.hold` keeps each `probe.hold` event in its handler until `ProbeGate.release()`.
 */
export class ProbeGate {
  private static opened: Promise<void> = Promise.resolve();
  private static open: () => void = () => undefined;

  /** From now on, `probe.hold` handlers wait until release(). */
  static close(): void {
    ProbeGate.opened = new Promise((resolve) => (ProbeGate.open = resolve));
  }

  static release(): void {
    ProbeGate.open();
  }

  static wait(): Promise<void> {
    return ProbeGate.opened;
  }
}

@Injectable()
export class ProbeHandlers {
  constructor(@Inject(EventBus) private readonly bus: EventBus) {}

  @OnDomainEvent('probe.ping', { name: 'probe.chain' })
  async answer(event: StoredEvent): Promise<void> {
    await this.bus.publish({ type: 'probe.pong', data: { ping: event.id } });
  }

  @OnDomainEvent('probe.hold', { name: 'probe.hold' })
  async hold(): Promise<void> {
    await ProbeGate.wait();
  }
}

@Module({
  imports: [EventsModule],
  providers: [ProbeHandlers],
})
export class ProbeModule {}
