/**
 * RFC 3339 section 5.6 date-time: full-date "T" full-time with a mandatory offset, field
 * ranges included. Also used as a JSON Schema pattern, so it must stay a plain regex.
 */
export const RFC3339_PATTERN =
  '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])[Tt]([01]\\d|2[0-3]):[0-5]\\d:([0-5]\\d|60)(\\.\\d+)?([Zz]|[+-]([01]\\d|2[0-3]):[0-5]\\d)$';
const RFC3339 = new RegExp(RFC3339_PATTERN);

export function isRfc3339(value: unknown): value is string {
  if (typeof value !== 'string' || !RFC3339.test(value)) return false;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  // Date.parse would roll 2024-02-30 over to March 1st instead of refusing it.
  return day <= daysInMonth(year, month) && !Number.isNaN(Date.parse(value));
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Normalizes to ISO-8601 UTC with milliseconds, the store's sortable text form. */
export function toUtcIso(value: string | Date): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
