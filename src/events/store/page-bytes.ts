/**
 * What a row of `events` weighs in a response, computed by the database from the stored
 * lengths (both engines have OCTET_LENGTH), so a page can be cut by bytes before any payload
 * is read into memory.
 */
export const ROW_BYTES_SQL =
  'COALESCE(OCTET_LENGTH(data), 0) + OCTET_LENGTH(metadata)';

// The envelope around the payload as rendered (ids, type, times, extension attributes).
export const ENVELOPE_BYTES = 512;

export interface SizedRow {
  position: number;
  /** PostgreSQL: the writing transaction (see event-cursor.ts); 0 on SQLite. */
  txid: number;
  bytes: number;
}

/**
 * The leading rows that fit in `maxBytes` (always at least one, however large: a page must
 * move forward), up to `limit`. `cut` tells whether rows were left out for their size.
 */
export function takeWithinBytes(
  rows: SizedRow[],
  limit: number,
  maxBytes: number,
): { positions: number[]; last: SizedRow | undefined; cut: boolean } {
  const positions: number[] = [];
  let total = 0;
  let last: SizedRow | undefined;
  for (const row of rows) {
    if (positions.length === limit) break;
    total += row.bytes + ENVELOPE_BYTES;
    if (positions.length > 0 && total > maxBytes)
      return { positions, last, cut: true };
    positions.push(row.position);
    last = row;
  }
  return { positions, last, cut: false };
}

/** Rows as the database returns them: bigints may come back as text (PostgreSQL). */
export function sizedRow(
  row: {
    position: number | string;
    txid?: string;
    bytes: number | string | null;
  },
  toNumber: (value: unknown) => number,
): SizedRow {
  return {
    position: toNumber(row.position),
    txid: row.txid === undefined ? 0 : toNumber(row.txid),
    bytes: row.bytes === null ? 0 : toNumber(row.bytes),
  };
}
