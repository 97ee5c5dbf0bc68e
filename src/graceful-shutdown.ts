import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ShutdownState } from './health/shutdown-state.js';

const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * SIGTERM (an orchestrator stopping the instance): readiness fails at once, requests keep being
 * served for `delayMs` so load balancers notice and stop sending, then the application closes:
 * the listener, the commit queue, running handlers, checkpoints; exit 0. SIGINT (Ctrl-C at a
 * terminal) closes without the delay. A second signal while closing changes nothing.
 */
export function closeGracefullyOnSignals(
  app: NestFastifyApplication,
  delayMs: number,
): void {
  const logger = new Logger('Shutdown');
  let closing = false;
  const close = async (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn(`${signal} received again: already shutting down`);
      return;
    }
    closing = true;
    app.get(ShutdownState).begin();
    const delay = signal === 'SIGTERM' ? delayMs : 0;
    logger.log(
      `${signal}: readiness fails from now on; closing the listener in ${delay}ms, then draining`,
    );
    await sleep(delay);
    try {
      await app.close();
      process.exit(0);
    } catch (error) {
      logger.error(
        `shutdown failed: ${(error as Error).message}`,
        (error as Error).stack,
      );
      process.exit(1);
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.on(signal, (received) => void close(received));
}
