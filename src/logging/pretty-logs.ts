import { createRequire } from 'node:module';
import type { PrettyLogs } from '../config/app-config.js';
import { ConfigError } from '../config/config.loader.js';

/** What decides between readable lines and JSON lines, besides the setting itself. */
export interface LogTerminal {
  /** stdout is a terminal (not a pipe, a file or a container's log driver). */
  isTTY: boolean;
  nodeEnv: string | undefined;
  /** pino-pretty can be loaded: a development dependency, absent after `npm ci --omit=dev`. */
  prettyInstalled: boolean;
}

export function currentTerminal(): LogTerminal {
  return {
    isTTY: process.stdout.isTTY === true,
    nodeEnv: process.env.NODE_ENV,
    prettyInstalled: isInstalled('pino-pretty'),
  };
}

/**
 * Whether log lines are rendered by pino-pretty. `auto` chooses readable lines only for a person
 * at a terminal outside production; log collectors get one JSON object per line. `true` without
 * pino-pretty is a configuration mistake: the start stops naming the key rather than falling
 * back silently to another format.
 */
export function usePrettyLogs(
  setting: PrettyLogs,
  terminal: LogTerminal,
): boolean {
  if (setting === true && !terminal.prettyInstalled) {
    throw new ConfigError(
      'log.pretty is true but pino-pretty is not installed (it is a development dependency): ' +
        'set log.pretty to auto or false (LOG__PRETTY=false), or install pino-pretty',
    );
  }
  if (setting !== 'auto') return setting;
  return (
    terminal.isTTY &&
    terminal.nodeEnv !== 'production' &&
    terminal.prettyInstalled
  );
}

function isInstalled(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
