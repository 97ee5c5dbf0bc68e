const UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;

/**
 * Reads `500ms`, `30s`, `2m`, `1h` or a bare number of milliseconds.
 * Returns undefined when the value is not a duration, so the validator can name the key.
 */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? value : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const match = DURATION.exec(trimmed);
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Math.round(Number(amount) * UNITS_MS[unit as keyof typeof UNITS_MS]);
}
