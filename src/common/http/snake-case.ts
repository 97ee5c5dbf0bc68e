/**
 * JSON over HTTP uses snake_case keys; services speak camelCase. Keys of objects listed in
 * `keepKeysOf` (maps keyed by data, such as patterns) are left as they are.
 */
export function snakeCaseKeys(
  value: unknown,
  keepKeysOf: string[] = [],
): unknown {
  if (Array.isArray(value))
    return value.map((item) => snakeCaseKeys(item, keepKeysOf));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      toSnakeCase(key),
      keepKeysOf.includes(key) ? inner : snakeCaseKeys(inner, keepKeysOf),
    ]),
  );
}

function toSnakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
