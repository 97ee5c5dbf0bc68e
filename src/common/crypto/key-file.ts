import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { decodeSecretKey, SECRET_KEY_BYTES } from './secret-box.js';

/** The key kept in `path`, or undefined when there is no such file. */
export function readKeyFile(path: string): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const key = decodeSecretKey(text);
  if (!key) {
    throw new Error(
      `${path} does not hold the base64 of ${SECRET_KEY_BYTES} bytes`,
    );
  }
  return key;
}

/**
 * The key kept in `path`, created (random, readable by the owner only) when the file does not
 * exist. Two processes creating it at once agree: the second finds the first one's file.
 */
export function readOrCreateKeyFile(path: string): Buffer {
  const existing = readKeyFile(path);
  if (existing) return existing;
  const key = randomBytes(SECRET_KEY_BYTES);
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(path, `${key.toString('base64')}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readKeyFile(path) as Buffer;
  }
}
