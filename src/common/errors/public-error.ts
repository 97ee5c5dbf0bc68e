/**
 * What a client may learn of a failure: the error's class and message, never a stack frame or
 * a file path of this server (an ENOENT names one, a module loader names several). Applied
 * where failures are recorded for clients (dead letters, subscription status, replay jobs, saga
 * reasons); the logs keep the full error with its stack.
 *
 * Every step is linear in the text's length: one pass for stack lines, one over tokens split
 * at delimiters (each token is looked at once, with no backtracking regex), one for the
 * project's own directory.
 */

/** Longest error text handed to clients; a handler may throw a message of any size. */
export const MAX_PUBLIC_ERROR_LENGTH = 2_000;

const PATH_PLACEHOLDER = '<path>';
// A stack frame line: indentation, "at ", anything up to the end of the line.
const STACK_FRAME_LINE = /^[ \t]+at [^\n]*\n?/gm;
// Runs of characters that can belong to a path; quotes, brackets, blanks and separators end one.
const TOKEN = /[^\s'"`()[\]{}<>,;=]+/g;
const WINDOWS_DRIVE_PATH = /^[A-Za-z]:[\\/]/;
const FILE_URL = 'file://';
const PROJECT_DIRECTORY = process.cwd();

/** `Name: message` of an error (or of anything thrown), fit for a client. */
export function publicError(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name || 'Error';
    return publicErrorText(error.message ? `${name}: ${error.message}` : name);
  }
  return publicErrorText(`Error: ${String(error)}`);
}

/** Only the message of an error, fit for a client (a saga's failure reason, say). */
export function publicMessage(error: unknown): string {
  return publicErrorText(
    error instanceof Error ? error.message : String(error),
  );
}

/**
 * An error text without stack frames or absolute paths, at most MAX_PUBLIC_ERROR_LENGTH long.
 * Idempotent, so texts stored by older versions (with their stacks) can go through it on read.
 */
export function publicErrorText(text: string): string {
  // What is cut off later is never looked at.
  const withoutFrames = text
    .replace(STACK_FRAME_LINE, '')
    .trimEnd()
    .slice(0, MAX_PUBLIC_ERROR_LENGTH * 2);
  const withoutPaths = withoutFrames.replace(TOKEN, (token) =>
    isAbsolutePath(token) ? PATH_PLACEHOLDER : token,
  );
  // The project's directory inside a longer token (`module:/srv/app/dist/x.js`).
  const withoutProject =
    PROJECT_DIRECTORY.length > 1
      ? withoutPaths.split(PROJECT_DIRECTORY).join(PATH_PLACEHOLDER)
      : withoutPaths;
  return withoutProject.length > MAX_PUBLIC_ERROR_LENGTH
    ? `${withoutProject.slice(0, MAX_PUBLIC_ERROR_LENGTH - 1)}…`
    : withoutProject;
}

/** `/a/b…`, `file:///…`, `C:\…` or `\\server\share…`; a single segment (`/events`) is a route. */
function isAbsolutePath(token: string): boolean {
  if (token.startsWith(FILE_URL)) return true;
  if (token.startsWith('/')) return token.indexOf('/', 1) > 1;
  if (token.startsWith('\\\\')) return true;
  return WINDOWS_DRIVE_PATH.test(token);
}
