import type { Logger } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { publicError, publicErrorText } from '../common/errors/public-error.js';

/**
 * Runs a terminus indicator so that its failure answers as `down` (503), never as a 500, and
 * its messages name no file of this server (a disk check on a vanished directory throws an
 * ENOENT with the path). The full error goes to the log.
 */
export async function publicIndicator(
  key: string,
  check: () => PromiseLike<HealthIndicatorResult>,
  logger: Logger,
): Promise<HealthIndicatorResult> {
  let result: HealthIndicatorResult;
  try {
    result = await check();
  } catch (error) {
    logger.warn(
      `${key} check failed: ${(error as Error)?.message ?? String(error)}`,
    );
    return { [key]: { status: 'down', message: publicError(error) } };
  }
  return Object.fromEntries(
    Object.entries(result).map(([name, outcome]) => [
      name,
      typeof outcome.message === 'string'
        ? { ...outcome, message: publicErrorText(outcome.message) }
        : outcome,
    ]),
  );
}
