/**
 * Splits `items` into chunks whose sizes are powers of two (at most `max`). Statements are
 * prepared once per distinct SQL text, so a handful of chunk shapes keeps the statement cache
 * warm whatever the batch size.
 */
export function powerOfTwoChunks<T>(items: readonly T[], max: number): T[][] {
  const chunks: T[][] = [];
  let offset = 0;
  while (offset < items.length) {
    let size = 1;
    while (size * 2 <= Math.min(items.length - offset, max)) size *= 2;
    chunks.push(items.slice(offset, offset + size));
    offset += size;
  }
  return chunks;
}

/** Pads a lookup list to the next power of two by repeating its last value (same result, cached statement). */
export function padToPowerOfTwo<T>(values: readonly T[]): T[] {
  let size = 1;
  while (size < values.length) size *= 2;
  const padded = [...values];
  while (padded.length < size) padded.push(values[values.length - 1]);
  return padded;
}

export function placeholders(count: number): string {
  return new Array<string>(count).fill('?').join(', ');
}
