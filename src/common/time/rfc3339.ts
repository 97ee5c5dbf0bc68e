/**
 * RFC 3339 section 5.6 date-time: full-date "T" full-time with a mandatory offset, field
 * ranges included. Also used as a JSON Schema pattern, so it must stay a plain regex.
 */
export const RFC3339_PATTERN =
  '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])[Tt]([01]\\d|2[0-3]):[0-5]\\d:([0-5]\\d|60)(\\.\\d+)?([Zz]|[+-]([01]\\d|2[0-3]):[0-5]\\d)$';
const RFC3339 = new RegExp(RFC3339_PATTERN);
const FULL_DATE = /^\d{4}-\d{2}-\d{2}$/;

// Instants are stored as ISO-8601 UTC text and compared as text: only four-digit years sort
// right (toISOString writes year 10000 as "+010000" and year 0 as "0000"), so an offset must
// not carry a date across either end.
const FIRST_YEAR = 1;
const LAST_YEAR = 9999;

export function isRfc3339(value: unknown): value is string {
  if (typeof value !== 'string' || !RFC3339.test(value)) return false;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  // Date.parse would roll 2024-02-30 over to March 1st instead of refusing it.
  if (day > daysInMonth(year, month)) return false;
  const instant = Date.parse(value);
  return !Number.isNaN(instant) && isStorableDate(new Date(instant));
}

/** RFC 3339 full-date (YYYY-MM-DD), a day that exists, in the years 0001 to 9999. */
export function isFullDate(value: unknown): value is string {
  if (typeof value !== 'string' || !FULL_DATE.test(value)) return false;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  return (
    year >= FIRST_YEAR &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  );
}

/** A valid Date whose UTC year is 0001 to 9999: its ISO text sorts with every other one. */
export function isStorableDate(value: Date): boolean {
  const year = value.getUTCFullYear();
  return year >= FIRST_YEAR && year <= LAST_YEAR;
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(Date.UTC(2000, month, 0));
  // Date.UTC maps years 0 to 99 to 1900 to 1999: set the year explicitly.
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

/** Normalizes to ISO-8601 UTC with milliseconds, the store's sortable text form. */
export function toUtcIso(value: string | Date): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
