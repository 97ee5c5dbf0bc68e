import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config.loader.js';
import { usePrettyLogs, type LogTerminal } from './pretty-logs.js';

const terminal = (overrides: Partial<LogTerminal> = {}): LogTerminal => ({
  isTTY: true,
  nodeEnv: undefined,
  prettyInstalled: true,
  ...overrides,
});

describe('usePrettyLogs', () => {
  it('auto: readable lines on a terminal outside production', () => {
    expect(usePrettyLogs('auto', terminal())).toBe(true);
    expect(usePrettyLogs('auto', terminal({ nodeEnv: 'development' }))).toBe(
      true,
    );
  });

  it('auto: JSON lines in production, through a pipe, or without pino-pretty', () => {
    expect(usePrettyLogs('auto', terminal({ nodeEnv: 'production' }))).toBe(
      false,
    );
    expect(usePrettyLogs('auto', terminal({ isTTY: false }))).toBe(false);
    expect(usePrettyLogs('auto', terminal({ prettyInstalled: false }))).toBe(
      false,
    );
  });

  it('true and false are obeyed wherever the output goes', () => {
    expect(
      usePrettyLogs(true, terminal({ isTTY: false, nodeEnv: 'production' })),
    ).toBe(true);
    expect(usePrettyLogs(false, terminal())).toBe(false);
  });

  it('true without pino-pretty installed stops the start naming the key', () => {
    expect(() =>
      usePrettyLogs(true, terminal({ prettyInstalled: false })),
    ).toThrow(ConfigError);
    expect(() =>
      usePrettyLogs(true, terminal({ prettyInstalled: false })),
    ).toThrow(/log\.pretty/);
  });
});
