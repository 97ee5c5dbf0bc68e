const MAX_LENGTH = 500;

/**
 * An error as a client may see it: its class and message, cut to a bounded length, with
 * absolute file paths reduced to their last segment (an ENOENT names a server path). Stack
 * traces stay in the logs. Works token by token, in linear time.
 */
export function publicMessage(error: unknown): string {
  if (!(error instanceof Error)) return stripPaths(String(error));
  const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
  return stripPaths(`${name}${error.message}`);
}

export function stripPaths(text: string): string {
  const bounded =
    text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH)}…` : text;
  return bounded
    .split(/(\s+)/)
    .map((token) => (looksLikePath(token) ? lastSegment(token) : token))
    .join('');
}

function looksLikePath(token: string): boolean {
  const start = token.replace(/^['"(<[]+/, '');
  return (
    start.startsWith('/') ||
    start.startsWith('file://') ||
    /^[A-Za-z]:\\/.test(start)
  );
}

function lastSegment(token: string): string {
  const quoted = token.match(/^['"(<[]+/)?.[0] ?? '';
  const trailing = token.match(/['")>\],:]+$/)?.[0] ?? '';
  const path = token.slice(quoted.length, token.length - trailing.length);
  const segments = path.split(/[\\/]/).filter(Boolean);
  return `${quoted}…/${segments[segments.length - 1] ?? ''}${trailing}`;
}
