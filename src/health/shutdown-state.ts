import { Injectable } from '@nestjs/common';

/**
 * Whether a graceful shutdown has begun. Set the moment the signal arrives, before the listener
 * closes: readiness fails from then on, so load balancers stop sending while in-flight and
 * late requests are still served (main.ts waits server.shutdown_delay before closing).
 */
@Injectable()
export class ShutdownState {
  private beganAt: string | undefined;

  begin(): void {
    this.beganAt ??= new Date().toISOString();
  }

  /** When the shutdown began, or undefined while the service runs. */
  get since(): string | undefined {
    return this.beganAt;
  }
}
